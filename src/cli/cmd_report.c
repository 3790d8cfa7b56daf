/* cmd_report.c — the commands that print one library report: `timeline`, `diff`, `sources`,
 * `catalog`, `where` and `can`. Each is an option table and a call (cav_timeline, cav_diff, ...);
 * the reports themselves are the library's (src/report/). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static cli_list policies;
static const char *format, *party, *weapon, *date, *kind, *state, *role, *purpose, *llat, *llon,
    *uncertainty, *lat, *lon, *out;
static const char *const text_md_json[] = {"text", "md", "json", NULL};
static const char *const text_json[] = {"text", "json", NULL};
static const char *const diff_formats[] = {"text", "md",  "json", "geojson",
                                           "svg",  "png", "pdf",  NULL};

/* Loads the pack and resolves --party / --weapon into a filter. */
static cav_pack *setup(cav_filter *f, const char *who) {
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return NULL;
    f->party = f->weapon = -1;
    if ((party && (f->party = cli_name(p, CAV_CAT_PARTY, party, who, "--party")) < 0) ||
        (weapon && (f->weapon = cli_name(p, CAV_CAT_WEAPON, weapon, who, "--weapon")) < 0)) {
        cav_pack_release(p);
        return NULL;
    }
    return p;
}

/* ---- timeline ---- */

static const cli_opt timeline_opts[] = {
    CLI_POLICY_OPT(policies),
    {"party", 0, OPT_STRING, &party, "P", "only the rules and notes of party P", NULL},
    {"weapon", 'w', OPT_STRING, &weapon, "W", "only the rules that concern weapon W", NULL},
    {"format", 'f', OPT_STRING, &format, "F", "output format", text_md_json},
    CLI_END_OPTS};

static int run_timeline(const char **args, int nargs) {
    (void)args, (void)nargs; /* takes no arguments */
    int rc = CLI_OK;
    cav_filter f;
    cav_pack *p = setup(&f, "caveat timeline");
    if (!p)
        return CLI_USAGE;
    cav_buf o = {0};
    rc = cli_emit(&o, cav_timeline(p, &f, (cav_format)cli_format(format, text_md_json, 0, ""), &o),
                  "caveat timeline");
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_timeline = {
    "timeline",
    "caveat timeline [OPTIONS]",
    "the history of the conditions, one change a row",
    "The history of the pack's conditions in date order: rules taking effect and ending, and\n"
    "dated notes (reported statements that are not rules), with party, what changed, whether it\n"
    "is disputed, the assumed zones it rests on, and for a permit that is an exception to a\n"
    "forbid, that the forbid stays in force.",
    0,
    0,
    timeline_opts,
    run_timeline};

/* ---- diff ---- */

static const cli_opt diff_opts[] = {
    CLI_POLICY_OPT(policies),
    {"party", 0, OPT_STRING, &party, "P", "only the rules of party P (with a map: the supplier)",
     NULL},
    {"weapon", 'w', OPT_STRING, &weapon, "W", "only the rules that concern weapon W", NULL},
    {"format", 'f', OPT_STRING, &format, "F", "output format (geojson, svg, png, pdf: a map)",
     diff_formats},
    {"kind", 'k', OPT_STRING, &kind, "K", "with a map: the target's kind", NULL},
    {"state", 0, OPT_STRING, &state, "S", "with a map: the target's state", NULL},
    {"role", 0, OPT_STRING, &role, "R", "with a map: the target's role", NULL},
    {"purpose", 0, OPT_STRING, &purpose, "U", "with a map: the purpose", NULL},
    {"output", 'o', OPT_STRING, &out, "FILE", "with a map: write it to FILE", NULL},
    CLI_MAP_OPTS,
    CLI_END_OPTS};

static int run_diff(const char **args, int nargs) {
    (void)nargs; /* a fixed count, checked by cli_parse */
    int rc = CLI_OK;
    int fmt = cli_format(format, diff_formats, CAV_FMT_TEXT, "caveat diff");
    int map =
        fmt == CAV_FMT_GEOJSON || fmt == CAV_FMT_SVG || fmt == CAV_FMT_PNG || fmt == CAV_FMT_PDF;
    if (!map && (kind || state || role || purpose || out)) {
        fputs("caveat diff: --kind, --state, --role, --purpose and -o go with a map format "
              "(geojson, svg, png, pdf)\n",
              stderr);
        return CLI_USAGE;
    }
    cav_filter f;
    cav_pack *p = map ? cli_load_pack(&policies) : setup(&f, "caveat diff");
    if (!p)
        return CLI_USAGE;
    int32_t d1, d2;
    if (cli_date(p, args[0], &d1, "caveat diff", "DATE1") != 0 ||
        cli_date(p, args[1], &d2, "caveat diff", "DATE2") != 0) {
        cav_pack_release(p);
        return CLI_USAGE;
    }
    if (map) {
        rc = cli_diff_map(p, d1, d2, format, weapon, party, kind, state, role, purpose, out);
    } else {
        cav_buf o = {0};
        rc = cli_emit(&o, cav_diff(p, d1, d2, &f, (cav_format)fmt, &o), "caveat diff");
    }
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_diff = {
    "diff",
    "caveat diff [OPTIONS] DATE1 DATE2",
    "what changed between two dates, rule by rule, or on a map",
    "What changed between two dates, rule by rule: '+' a rule in force on DATE2 but not on\n"
    "DATE1, '-' the reverse. With a map format (geojson, svg, png, pdf) and --weapon and --kind:\n"
    "where the area in which that use is permitted grew, shrank or stayed.",
    2,
    2,
    diff_opts,
    run_diff};

/* ---- sources ---- */

static const cli_opt sources_opts[] = {
    CLI_POLICY_OPT(policies),
    {"format", 'f', OPT_STRING, &format, "F", "output format", text_md_json},
    CLI_END_OPTS};

static int run_sources(const char **args, int nargs) {
    (void)args, (void)nargs; /* takes no arguments */
    int rc = CLI_OK;
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return CLI_USAGE;
    cav_buf o = {0};
    rc = cli_emit(&o, cav_sources(p, (cav_format)cli_format(format, text_md_json, 0, ""), &o),
                  "caveat sources");
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_sources = {
    "sources",
    "caveat sources [OPTIONS]",
    "every source with the rules, notes and zones that cite it",
    "Every source of the pack (outlet, date, address) with the rules, notes and zones that cite\n"
    "it, so a reader can go from a claim to its evidence and back.",
    0,
    0,
    sources_opts,
    run_sources};

/* ---- catalog ---- */

static const cli_opt catalog_opts[] = {
    CLI_POLICY_OPT(policies),
    {"format", 'f', OPT_STRING, &format, "F", "output format", text_json},
    CLI_END_OPTS};

static int run_catalog(const char **args, int nargs) {
    int rc = CLI_OK;
    int c = -1;
    if (nargs && (c = cav_catalog_by_label(args[0])) < 0) {
        fprintf(stderr,
                "caveat catalog: unknown catalog '%s' (weapons, classes, kinds, purposes, states, "
                "roles, parties, zones, rules, sources, notes)\n",
                args[0]);
        return CLI_USAGE;
    }
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return CLI_USAGE;
    cav_buf o = {0};
    rc = cli_emit(&o, cav_catalog_write(p, c, (cav_format)cli_format(format, text_json, 0, ""), &o),
                  "caveat catalog");
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_catalog = {
    "catalog",
    "caveat catalog [OPTIONS] [weapons|classes|kinds|purposes|states|roles|parties|zones|rules|"
    "sources|notes]",
    "the pack's vocabulary: weapons, kinds, purposes, parties, zones, ...",
    "Lists the names a query and a rule may use, with their titles: weapons (with aliases,\n"
    "class, consent parties and suppliers), weapon classes, target kinds (a tree: `in military`\n"
    "matches every kind below it), purposes, target states and roles, parties (with the other\n"
    "names they answer to), zones (with their assumptions), rules, sources and notes. Names are\n"
    "case-insensitive, and spaces, hyphens and underscores are the same.",
    0,
    1,
    catalog_opts,
    run_catalog};

/* ---- where ---- */

static const cli_opt where_opts[] = {
    CLI_POLICY_OPT(policies),
    {"uncertainty", 'u', OPT_STRING, &uncertainty, "M",
     "the position's uncertainty in metres (edges closer than this are reported)", NULL},
    {"format", 'f', OPT_STRING, &format, "F", "output format", text_json},
    CLI_END_OPTS};

/* A coordinate argument: a decimal number (the library's reader, whatever the locale). */
static int coordinate(const cav_pack *p, const char *text, cav_qfield f, double *v) {
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    if (cav_query_set(&q, p, f, text, strlen(text), &e) != 0) {
        fprintf(stderr, "caveat where: %s: %s\n", f == CAV_Q_TARGET_LAT ? "LAT" : "LON",
                e.v[0].message);
        return -1;
    }
    *v = f == CAV_Q_TARGET_LAT ? q.target_lat : q.target_lon;
    return 0;
}

static int run_where(const char **args, int nargs) {
    (void)nargs; /* a fixed count, checked by cli_parse */
    int rc = CLI_OK;
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return CLI_USAGE;
    double la, lo, r = 0;
    rc = CLI_USAGE;
    if (coordinate(p, args[0], CAV_Q_TARGET_LAT, &la) == 0 &&
        coordinate(p, args[1], CAV_Q_TARGET_LON, &lo) == 0) {
        if (uncertainty) {
            cav_query q;
            cav_qerrors e;
            cav_query_init(&q, &e);
            if (cav_query_set(&q, p, CAV_Q_TARGET_UNCERTAINTY, uncertainty, strlen(uncertainty),
                              &e) != 0) {
                fprintf(stderr, "caveat where: --uncertainty: %s\n", e.v[0].message);
                cav_pack_release(p);
                return CLI_USAGE;
            }
            r = q.target_uncertainty_m;
        }
        cav_buf o = {0};
        rc = cli_emit(&o,
                      cav_where(p, la, lo, r, (cav_format)cli_format(format, text_json, 0, ""), &o),
                      "caveat where");
    }
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_where = {
    "where",
    "caveat where [OPTIONS] LAT LON",
    "which countries, regions and zones contain a point",
    "The countries and regions (recognised borders with their territorial sea: Crimea and the\n"
    "occupied oblasts are Ukraine) and the pack's zones that contain a point, and the edges\n"
    "closer to it than its position is known: the boundary data's precision, or --uncertainty.",
    2,
    2,
    where_opts,
    run_where};

/* ---- can ---- */

static const cli_opt can_opts[] = {
    CLI_POLICY_OPT(policies),
    {"lat", 0, OPT_STRING, &lat, "LAT", "the target's latitude", NULL},
    {"lon", 0, OPT_STRING, &lon, "LON", "the target's longitude", NULL},
    {"uncertainty", 0, OPT_STRING, &uncertainty, "M", "the target position's uncertainty", NULL},
    {"kind", 'k', OPT_STRING, &kind, "K", "the target's kind", NULL},
    {"state", 0, OPT_STRING, &state, "S", "ground or airborne", NULL},
    {"role", 0, OPT_STRING, &role, "R", "attacking, supporting or none", NULL},
    {"purpose", 0, OPT_STRING, &purpose, "U", "why the target is engaged", NULL},
    {"launch-lat", 0, OPT_STRING, &llat, "LAT", "the launch point's latitude", NULL},
    {"launch-lon", 0, OPT_STRING, &llon, "LON", "the launch point's longitude", NULL},
    {"date", 'd', OPT_STRING, &date, "D", "the date or timestamp", NULL},
    {"format", 'f', OPT_STRING, &format, "F", "output format", text_json},
    CLI_END_OPTS};

static int run_can(const char **args, int nargs) {
    (void)args, (void)nargs; /* takes no arguments */
    int rc = CLI_OK;
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return CLI_USAGE;
    const struct {
        const char *flag, *value;
        cav_qfield f;
    } given[] = {{"lat", lat, CAV_Q_TARGET_LAT},
                 {"lon", lon, CAV_Q_TARGET_LON},
                 {"uncertainty", uncertainty, CAV_Q_TARGET_UNCERTAINTY},
                 {"kind", kind, CAV_Q_TARGET_KIND},
                 {"state", state, CAV_Q_TARGET_STATE},
                 {"role", role, CAV_Q_TARGET_ROLE},
                 {"purpose", purpose, CAV_Q_PURPOSE},
                 {"launch-lat", llat, CAV_Q_LAUNCH_LAT},
                 {"launch-lon", llon, CAV_Q_LAUNCH_LON},
                 {"date", date, CAV_Q_DATE}};
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    for (size_t i = 0; i < sizeof given / sizeof *given; i++)
        if (given[i].value)
            cav_query_set(&q, p, given[i].f, given[i].value, strlen(given[i].value), &e);
    /* the weapon is what is asked: every weapon and supplier in turn */
    cav_query_finish_use(&q, p, CAV_USE_WEAPON, &e);
    int bad = 0;
    for (int i = 0; i < e.n; i++) {
        const char *name = e.v[i].name;
        for (size_t k = 0; k < sizeof given / sizeof *given; k++)
            if (e.v[i].field == (int)given[k].f)
                name = given[k].flag;
        fprintf(stderr, "caveat can: --%s: %s\n", name, e.v[i].message);
        bad = 1;
    }
    if (bad) {
        cav_pack_release(p);
        return CLI_USAGE;
    }
    cav_buf o = {0};
    rc = cli_emit(&o, cav_can(p, &q, 0, (cav_format)cli_format(format, text_json, 0, ""), &o),
                  "caveat can");
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_can = {
    "can",
    "caveat can [OPTIONS] --lat LAT --lon LON --kind K --date D",
    "which weapons may be used for one use: every weapon with its verdict",
    "The reverse question: for one use (a target's place, kind, state and role, a purpose, a\n"
    "launch point, a date), every weapon of the catalog, and each of its suppliers where it has\n"
    "several, with its verdict and the rules that decide it.",
    0,
    0,
    can_opts,
    run_can};
