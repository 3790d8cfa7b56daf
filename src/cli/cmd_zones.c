/* cmd_zones.c — `caveat zones` and the maps of `caveat diff`: the pack's zones, or the area where
 * one use is permitted, drawn by the library (cav_map, cav_map_diff) and written atomically. */
#include "cli.h"

#include <string.h>

static cli_list policies, zone_names;
static const char *format, *out, *weapon, *supplier, *kind, *state, *role, *purpose, *date,
    *title;
static const char *const formats[] = {"geojson", "svg", NULL};

static const cli_opt opts[] = {
    CLI_POLICY_OPT(policies),
    {"zone", 'z', OPT_LIST, &zone_names, "NAME", "show this zone (repeatable)", NULL},
    {"weapon", 'w', OPT_STRING, &weapon, "W", "draw where this weapon's use is permitted", NULL},
    {"supplier", 0, OPT_STRING, &supplier, "PARTY", "the supplier", NULL},
    {"kind", 'k', OPT_STRING, &kind, "K", "the target's kind", NULL},
    {"state", 0, OPT_STRING, &state, "S", "ground or airborne", NULL},
    {"role", 0, OPT_STRING, &role, "R", "attacking, supporting or none", NULL},
    {"purpose", 0, OPT_STRING, &purpose, "U", "why the target is engaged", NULL},
    {"date", 'd', OPT_STRING, &date, "D", "the date (required with --weapon)", NULL},
    {"title", 0, OPT_STRING, &title, "TEXT", "the map's title", NULL},
    {"format", 'f', OPT_STRING, &format, "F", "output format (default: from -o, else geojson)",
     formats},
    {"output", 'o', OPT_STRING, &out, "FILE", "write to FILE (replaced only when complete)", NULL},
    CLI_END_OPTS};

/* Binds the use of the options into q (the target point is what the map varies). */
static int use_of(const cav_pack *p, cav_query *q, const char *who) {
    cav_qerrors e;
    cav_query_init(q, &e);
    const struct {
        const char *flag, *value;
        cav_qfield f;
    } given[] = {{"weapon", weapon, CAV_Q_WEAPON},     {"supplier", supplier, CAV_Q_SUPPLIER},
                 {"kind", kind, CAV_Q_TARGET_KIND},    {"state", state, CAV_Q_TARGET_STATE},
                 {"role", role, CAV_Q_TARGET_ROLE},    {"purpose", purpose, CAV_Q_PURPOSE},
                 {"date", date, CAV_Q_DATE}};
    for (size_t i = 0; i < sizeof given / sizeof *given; i++)
        if (given[i].value)
            cav_query_set(q, p, given[i].f, given[i].value, strlen(given[i].value), &e);
    cav_query_finish_use(q, p, CAV_USE_PLACE, &e); /* the map varies the target point */
    for (int i = 0; i < e.n; i++) {
        const char *name = e.v[i].name;
        for (size_t k = 0; k < sizeof given / sizeof *given; k++)
            if (e.v[i].field == (int)given[k].f)
                name = given[k].flag;
        fprintf(stderr, "%s: --%s: %s\n", who, name, e.v[i].message);
    }
    return e.n ? -1 : 0;
}

static int map_format(const char *who) {
    if (!format && out) {
        size_t n = strlen(out);
        return n > 4 && strcmp(out + n - 4, ".svg") == 0 ? CAV_FMT_SVG : CAV_FMT_GEOJSON;
    }
    return cli_format(format, formats, CAV_FMT_GEOJSON, who);
}

static int run_zones(const cli_cmd *cmd, int argc, char **argv) {
    const char **args;
    int nargs, rc = cli_parse(cmd, argc, argv, &args, &nargs);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    int fmt = map_format("caveat zones");
    if (fmt < 0)
        return CLI_USAGE;
    if (!weapon && (supplier || kind || state || role || purpose)) {
        fputs("caveat zones: --supplier, --kind, --state, --role and --purpose describe a use: "
              "give --weapon too\n",
              stderr);
        return CLI_USAGE;
    }
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return CLI_USAGE;
    cav_query q;
    int zones[1024], nz = 0;
    rc = CLI_USAGE;
    if (weapon && use_of(p, &q, "caveat zones") != 0)
        goto done;
    for (int i = 0; i < zone_names.n && nz < 1024; i++)
        if ((zones[nz++] = cli_name(p, CAV_CAT_ZONE, zone_names.v[i], "caveat zones", "--zone")) <
            0)
            goto done;
    cav_map_opts o = {title, zone_names.n ? zones : NULL, nz, 0, 0, 0, 0, 0, -1, 0, 0};
    cav_buf text = {0};
    int err = cav_map(p, weapon ? &q : NULL, &o, (cav_format)fmt, &text);
    if (err != 0)
        fprintf(stderr, "caveat zones: cannot draw the map: %s\n", cav_strerror(err));
    else if (cli_write_output(out, text.data, text.len, "caveat zones", "-o", NULL) == 0)
        rc = CLI_OK;
    cav_buf_free(&text);
done:
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_zones = {
    "zones",
    "caveat zones [OPTIONS]\n"
    "       caveat zones [OPTIONS] --weapon W --kind K --date D [--purpose U] [--role R] ...",
    "the zones, or where a use is permitted, as GeoJSON or an SVG map",
    "Without --weapon, writes the pack's zones (every declared zone, or those named with --zone)\n"
    "as a GeoJSON FeatureCollection (for QGIS, geojson.io) or an SVG map. With --weapon, writes\n"
    "the area where that use is permitted on --date by every party whose consent it needs, every\n"
    "other fact fixed, with the zones its rules test that day; features carry the rules, sources,\n"
    "disputed flag and assumed zones they rest on. A missing fact (purpose, role) is missing: rules\n"
    "that test it cannot permit.",
    0,
    0,
    opts,
    run_zones};

/* `caveat diff --format geojson|svg`: the options were parsed by cmd_report.c. */
int cli_diff_map(const cav_pack *p, int32_t d1, int32_t d2, const char *fmt_, const char *weapon_,
                 const char *party_, const char *kind_, const char *state_, const char *role_,
                 const char *purpose_, const char *out_) {
    weapon = weapon_, supplier = party_, kind = kind_, state = state_, role = role_;
    purpose = purpose_, out = out_;
    char day[11];
    cav_date_format(d1, day);
    date = day;
    if (!weapon || !kind) {
        fputs("caveat diff: a map describes one use: give --weapon and --kind\n", stderr);
        return CLI_USAGE;
    }
    cav_query q;
    if (use_of(p, &q, "caveat diff") != 0)
        return CLI_USAGE;
    int fmt = strcmp(fmt_, "svg") == 0 ? CAV_FMT_SVG : strcmp(fmt_, "geojson") == 0 ? CAV_FMT_GEOJSON
                                                                                 : -1;
    if (fmt < 0) {
        fprintf(stderr, "caveat diff: --format %s is not available for maps yet\n", fmt_);
        return CLI_USAGE;
    }
    cav_buf text = {0};
    int err = cav_map_diff(p, &q, d1, d2, NULL, (cav_format)fmt, &text);
    int rc = CLI_USAGE;
    if (err != 0)
        fprintf(stderr, "caveat diff: cannot draw the map: %s\n", cav_strerror(err));
    else if (cli_write_output(out, text.data, text.len, "caveat diff", "-o", NULL) == 0)
        rc = CLI_OK;
    cav_buf_free(&text);
    return rc;
}
