/* cmd_zones.c — `caveat zones` and the maps of `caveat diff`: the pack's zones, or the area where
 * one use is permitted, drawn by the library (cav_map, cav_map_diff) as GeoJSON, SVG, PNG or PDF
 * and written atomically. The map options (--title, --bbox, --zoom-to, --width, --height) are
 * shared by both commands (CLI_MAP_OPTS). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static cli_list policies, zone_names;
static const char *format, *out, *weapon, *supplier, *kind, *state, *role, *purpose, *date;
static const char *const formats[] = {"geojson", "svg", "png", "pdf", NULL};
const char *cli_map_title, *cli_map_bbox, *cli_map_zoom, *cli_map_width, *cli_map_height;

static const cli_opt opts[] = {
    CLI_POLICY_OPT(policies),
    {"zone", 'z', OPT_LIST, &zone_names, "NAME",
     "show this zone, or a country or region by ISO code (repeatable)", NULL},
    {"weapon", 'w', OPT_STRING, &weapon, "W", "draw where this weapon's use is permitted", NULL},
    {"supplier", 0, OPT_STRING, &supplier, "PARTY", "the supplier", NULL},
    {"kind", 'k', OPT_STRING, &kind, "K", "the target's kind", NULL},
    {"state", 0, OPT_STRING, &state, "S", "ground or airborne", NULL},
    {"role", 0, OPT_STRING, &role, "R", "attacking, supporting or none", NULL},
    {"purpose", 0, OPT_STRING, &purpose, "U", "why the target is engaged", NULL},
    {"date", 'd', OPT_STRING, &date, "D", "the date (required with --weapon)", NULL},
    CLI_MAP_OPTS,
    {"format", 'f', OPT_STRING, &format, "F",
     "output format (default: from -o's extension, else geojson)", formats},
    {"output", 'o', OPT_STRING, &out, "FILE", "write to FILE (replaced only when complete)", NULL},
    CLI_END_OPTS};

/* The flags of a use, in the order they are checked and reported. */
static const struct use_flag {
    const char *flag;
    const char **value;
    cav_qfield f;
} use_flags[] = {{"weapon", &weapon, CAV_Q_WEAPON},  {"supplier", &supplier, CAV_Q_SUPPLIER},
                 {"kind", &kind, CAV_Q_TARGET_KIND}, {"state", &state, CAV_Q_TARGET_STATE},
                 {"role", &role, CAV_Q_TARGET_ROLE}, {"purpose", &purpose, CAV_Q_PURPOSE},
                 {"date", &date, CAV_Q_DATE}};
#define NUSE_FLAGS (sizeof use_flags / sizeof *use_flags)

/* Binds the use of the options into q (the target point is what the map varies); prints every
 * problem, naming the flag. */
static int use_of(const cav_pack *p, cav_query *q, const char *who) {
    cav_qerrors e;
    cav_query_init(q, &e);
    for (size_t i = 0; i < NUSE_FLAGS; i++)
        if (*use_flags[i].value)
            cav_query_set(q, p, use_flags[i].f, *use_flags[i].value, strlen(*use_flags[i].value),
                          &e);
    cav_query_finish_use(q, p, CAV_USE_PLACE, &e); /* the map varies the target point */
    for (int i = 0; i < e.n; i++) {
        const char *name = e.v[i].name, *value = NULL;
        for (size_t k = 0; k < NUSE_FLAGS; k++)
            if (e.v[i].field == (int)use_flags[k].f)
                name = use_flags[k].flag, value = *use_flags[k].value;
        if (!value && strncmp(e.v[i].message, "missing", 7) == 0)
            fprintf(stderr, "%s: --%s is required\n", who, name);
        else if (value)
            fprintf(stderr, "%s: --%s '%s': %s\n", who, name, value, e.v[i].message);
        else
            fprintf(stderr, "%s: --%s: %s\n", who, name, e.v[i].message);
    }
    return e.n ? -1 : 0;
}

int cli_map_format(const char *fmt, const char *path, const char *who) {
    if (!fmt && path) {
        static const char *const ext[] = {".svg", ".png", ".pdf"};
        static const int by_ext[] = {CAV_FMT_SVG, CAV_FMT_PNG, CAV_FMT_PDF};
        size_t n = strlen(path);
        for (int i = 0; i < 3; i++)
            if (n > 4 && strcmp(path + n - 4, ext[i]) == 0)
                return by_ext[i];
        return CAV_FMT_GEOJSON;
    }
    return cli_format(fmt, formats, CAV_FMT_GEOJSON, who);
}

static int read_size(const char *text, const char *opt, int *v, const char *who) {
    char *end;
    errno = 0;
    long n = text ? strtol(text, &end, 10) : 0;
    if (text && (errno || *end || end == text || n < 16 || n > 8192)) {
        fprintf(stderr, "%s: %s must be a number of pixels from 16 to 8192, not '%s'\n", who, opt,
                text);
        return -1;
    }
    *v = (int)n;
    return 0;
}

int cli_map_opts(const cav_pack *p, cav_map_opts *o, const char *who) {
    o->title = cli_map_title;
    o->zoom_zone = -1;
    if (read_size(cli_map_width, "--width", &o->width, who) != 0 ||
        read_size(cli_map_height, "--height", &o->height, who) != 0)
        return -1;
    if (cli_map_bbox && cli_map_zoom) {
        fprintf(stderr, "%s: give --bbox or --zoom-to, not both\n", who);
        return -1;
    }
    if (cli_map_bbox) {
        double b[4];
        const char *s = cli_map_bbox;
        for (int i = 0; i < 4; i++) {
            char *end;
            b[i] = strtod(s, &end); /* the command line runs in the "C" locale */
            if (end == s || (i < 3 && *end != ',') || (i == 3 && *end)) {
                fprintf(stderr,
                        "%s: --bbox must be SOUTH,WEST,NORTH,EAST in degrees (50,35,52.5,39), "
                        "not '%s'\n",
                        who, cli_map_bbox);
                return -1;
            }
            s = end + 1;
        }
        if (!(b[0] < b[2] && b[1] < b[3] && b[0] >= -85 && b[2] <= 85 && b[1] >= -180 &&
              b[3] <= 180)) {
            fprintf(stderr,
                    "%s: --bbox '%s': south must be below north and west of east, within "
                    "85S..85N and 180W..180E\n",
                    who, cli_map_bbox);
            return -1;
        }
        o->has_bbox = 1;
        o->south = b[0], o->west = b[1], o->north = b[2], o->east = b[3];
    }
    if (cli_map_zoom) {
        o->zoom_zone = cav_catalog_find(p, CAV_CAT_ZONE, cli_map_zoom, strlen(cli_map_zoom));
        if (o->zoom_zone < 0 && cav_place_known(cli_map_zoom))
            o->zoom_place = cli_map_zoom;
        else if (o->zoom_zone < 0 && cli_name(p, CAV_CAT_ZONE, cli_map_zoom, who, "--zoom-to") < 0)
            return -1;
    }
    return 0;
}

/* Draws the map (the diff map between d1 and d2 when diff) and writes it; an exit status. */
static int write_map(const cav_pack *p, const cav_query *use, const cav_map_opts *o, int fmt,
                     int diff, int32_t d1, int32_t d2, const char *who) {
    cav_buf text = {0};
    int err = diff ? cav_map_diff(p, use, d1, d2, o, (cav_format)fmt, &text)
                   : cav_map(p, use, o, (cav_format)fmt, &text);
    int rc = CLI_USAGE;
    if (err != 0)
        fprintf(stderr, "%s: cannot draw the map: %s\n", who, cav_strerror(err));
    else if (cli_write_output(out, text.data, text.len, who, "-o", NULL) == 0)
        rc = CLI_OK;
    cav_buf_free(&text);
    return rc;
}

static int run_zones(const char **args, int nargs) {
    (void)args, (void)nargs; /* takes no arguments */
    int rc = CLI_OK;
    int fmt = cli_map_format(format, out, "caveat zones");
    if (fmt < 0)
        return CLI_USAGE;
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return CLI_USAGE;
    cav_query q;
    int zones[64], nz = 0, nplaces = 0;
    const char *places[64];
    cav_map_opts o;
    memset(&o, 0, sizeof o);
    rc = CLI_USAGE;
    int32_t day;
    if (date && cli_date(p, date, &day, "caveat zones", "--date") != 0)
        goto done;
    if (!weapon) /* a use's facts without a use: refused, never ignored */
        for (size_t i = 1; i < NUSE_FLAGS; i++)
            if (*use_flags[i].value) {
                fprintf(stderr, "caveat zones: --%s needs --weapon (it describes a use)\n",
                        use_flags[i].flag);
                goto done;
            }
    if (weapon && use_of(p, &q, "caveat zones") != 0)
        goto done;
    if (zone_names.n > 64) {
        fputs("caveat zones: at most 64 --zone\n", stderr);
        goto done;
    }
    for (int i = 0; i < zone_names.n; i++) {
        const char *name = zone_names.v[i];
        int z = cav_catalog_find(p, CAV_CAT_ZONE, name, strlen(name));
        if (z >= 0)
            zones[nz++] = z;
        else if (cav_place_known(name))
            places[nplaces++] = name; /* a country or region the pack does not name */
        else if (cli_name(p, CAV_CAT_ZONE, name, "caveat zones", "--zone") < 0)
            goto done;
    }
    if (cli_map_opts(p, &o, "caveat zones") != 0)
        goto done;
    o.zones = nz ? zones : NULL;
    o.nzones = nz;
    o.places = nplaces ? places : NULL;
    o.nplaces = nplaces;
    rc = write_map(p, weapon ? &q : NULL, &o, fmt, 0, 0, 0, "caveat zones");
done:
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_zones = {
    "zones",
    "caveat zones [OPTIONS]\n"
    "       caveat zones [OPTIONS] --weapon W --kind K --date D [--role R] [--purpose U] ...",
    "the zones, or where a use is permitted, as GeoJSON or a map (SVG, PNG, PDF)",
    "Without --weapon, writes the pack's zones (every declared zone, or those named with --zone;\n"
    "any country or region of the boundary data by ISO code) as a GeoJSON FeatureCollection (for\n"
    "QGIS, geojson.io) or a map. With --weapon, writes where that use is permitted on --date by\n"
    "every party whose consent it needs, every other fact fixed: inside Ukraine and across its\n"
    "border apart, where it is indeterminate (a fact the rules test is missing, or a border that\n"
    "decides is nearer than the boundary data's precision), disputed permissions hatched, and the\n"
    "zones its rules test that day, assumed zones marked. GeoJSON features carry the rules,\n"
    "sources, disputed flag, assumed zones and validity they rest on. Maps are drawn in a Lambert\n"
    "conformal conic projection with a legend and a credit line (docs/maps.md).",
    0,
    0,
    opts,
    run_zones};

/* `caveat diff --format geojson|svg|png|pdf`: the options were parsed by cmd_report.c. */
int cli_diff_map(const cav_pack *p, int32_t d1, int32_t d2, const char *fmt_, const char *weapon_,
                 const char *party_, const char *kind_, const char *state_, const char *role_,
                 const char *purpose_, const char *out_) {
    weapon = weapon_, supplier = party_, kind = kind_, state = state_, role = role_;
    purpose = purpose_, out = out_;
    static char day[11]; /* date points at it after the return */
    cav_date_format(d1, day);
    date = day;
    if (!weapon || !kind) {
        fputs("caveat diff: a map describes one use: give --weapon and --kind\n", stderr);
        return CLI_USAGE;
    }
    cav_query q;
    cav_map_opts o;
    memset(&o, 0, sizeof o);
    if (use_of(p, &q, "caveat diff") != 0 || cli_map_opts(p, &o, "caveat diff") != 0)
        return CLI_USAGE;
    int fmt = cli_map_format(fmt_, NULL, "caveat diff");
    if (fmt < 0)
        return CLI_USAGE;
    return write_map(p, &q, &o, fmt, 1, d1, d2, "caveat diff");
}
