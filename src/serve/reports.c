/* reports.c — the report endpoints: /v1/zones, /v1/diff, /v1/timeline, /v1/sources and /v1/pack.
 *
 * Each is the library's report of the same name (cav_map, cav_map_diff, cav_diff, cav_timeline,
 * cav_sources) with its arguments taken from URL parameters, exactly as the commands of the same
 * names take them from flags: a use binds through srv_params_bind (cav_query_set), dates through
 * cav_date_parse_in, names through cav_catalog_find. A parameter that is wrong gives 400 with a
 * JSON error naming it; an unknown parameter is an error, not ignored.
 *
 * The reply's body is built in a cav_buf the caller owns; nothing here keeps state.
 */
#include "serve.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *content_type(int fmt) {
    switch (fmt) {
    case CAV_FMT_JSON: return "application/json";
    case CAV_FMT_MD: return "text/markdown; charset=utf-8";
    case CAV_FMT_GEOJSON: return "application/geo+json";
    case CAV_FMT_SVG: return "image/svg+xml";
    case CAV_FMT_PNG: return "image/png";
    case CAV_FMT_PDF: return "application/pdf";
    case CAV_FMT_NDJSON: return "application/x-ndjson";
    default: return "text/plain; charset=utf-8";
    }
}

void srv_reply_error(srv_reply *r, unsigned status, const char *param, const char *message) {
    r->status = status;
    r->type = "application/json";
    cav_buf_clear(&r->body);
    cav_buf_append(&r->body, "{\"error\":{\"parameter\":", 22);
    if (param)
        cav_buf_json_string(&r->body, param, strlen(param));
    else
        cav_buf_append(&r->body, "null", 4);
    cav_buf_append(&r->body, ",\"message\":", 11);
    cav_buf_json_string(&r->body, message, strlen(message));
    cav_buf_append(&r->body, "}}\n", 3);
}

/* The query errors of a use as a 400 reply (the error line of a decision). */
static void use_error(srv_reply *r, const cav_qerrors *e) {
    r->status = 400;
    r->type = "application/json";
    cav_buf_clear(&r->body);
    cav_qerrors_json(e, "null", 0, &r->body);
    cav_buf_append(&r->body, "\n", 1);
}

/* The library's result as the reply: 200 with the body, or the error. */
static void finish(srv_reply *r, int rc, int fmt) {
    if (rc == 0) {
        r->status = 200;
        r->type = content_type(fmt);
        return;
    }
    srv_reply_error(r, rc == CAV_EINVAL ? 400 : 500, NULL,
                    rc == CAV_EINVAL ? "this report cannot be made with these parameters"
                                     : cav_strerror(rc));
}

/* The format parameter among allowed (CAV_FMT_* values ending with -1), else dflt; -1 after
 * setting the error reply. */
static int format_of(const srv_params *ps, const int *allowed, int dflt, srv_reply *r) {
    const char *f = srv_params_get(ps, "format");
    if (!f)
        return dflt;
    int fmt = cav_format_find(f);
    for (const int *a = allowed; *a >= 0; a++)
        if (fmt == *a)
            return fmt;
    char msg[300];
    int n = snprintf(msg, sizeof msg, "'%.60s' is not a format of this endpoint; it gives", f);
    for (const int *a = allowed; *a >= 0; a++)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s %s", a == allowed ? "" : ",",
                      cav_format_name((cav_format)*a));
    srv_reply_error(r, 400, "format", msg);
    return -1;
}

/* Checks that every parameter is one of names (NULL-terminated); 0 or -1 with the error set. */
static int only(const srv_params *ps, const char *const *names, srv_reply *r) {
    if (ps->overflow || ps->nul) {
        srv_reply_error(r, 400, NULL,
                        ps->nul ? "a parameter contains a NUL byte" : "too many parameters");
        return -1;
    }
    for (int i = 0; i < ps->n; i++) {
        const char *const *n = names;
        while (*n && strcmp(*n, ps->v[i].key) != 0)
            n++;
        if (!*n) {
            char msg[200];
            snprintf(msg, sizeof msg, "unknown parameter '%.60s' (docs/serve.md lists them)",
                     ps->v[i].key);
            srv_reply_error(r, 400, ps->v[i].key, msg);
            return -1;
        }
    }
    return 0;
}

/* The party and weapon filter (-1: all). 0 or -1 with the error set. */
static int filter_of(const cav_pack *p, const srv_params *ps, cav_filter *f, srv_reply *r) {
    f->party = f->weapon = -1;
    static const struct {
        const char *param;
        cav_catalog cat;
    } by[] = {{"party", CAV_CAT_PARTY}, {"weapon", CAV_CAT_WEAPON}};
    for (int i = 0; i < 2; i++) {
        const char *v = srv_params_get(ps, by[i].param);
        if (!v)
            continue;
        int id = cav_catalog_find(p, by[i].cat, v, strlen(v));
        if (id < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "unknown %s '%.60s' (GET /v1/pack lists them)",
                     cav_catalog_label(by[i].cat), v);
            srv_reply_error(r, 400, by[i].param, msg);
            return -1;
        }
        if (i == 0)
            f->party = id;
        else
            f->weapon = id;
    }
    return 0;
}

static int date_of(const cav_pack *p, const srv_params *ps, const char *name, int32_t *day,
                   srv_reply *r) {
    const char *v = srv_params_get(ps, name);
    if (!v) {
        srv_reply_error(r, 400, name, "missing; a date (YYYY-MM-DD) is required");
        return -1;
    }
    cav_buf msg = {0};
    int rc = cav_date_parse_in(p, v, strlen(v), day, &msg);
    if (rc != 0)
        srv_reply_error(r, 400, name, msg.data ? msg.data : "is no date");
    cav_buf_free(&msg);
    return rc ? -1 : 0;
}

/* The names of a use's parameters (a decision's, less the target point which maps ignore). */
#define USE_PARAMS                                                                                 \
    "date", "weapon", "supplier", "kind", "target.kind", "state", "target.state", "role",          \
        "target.role", "purpose", "launch_lat", "launch.lat", "launch_lon", "launch.lon",          \
        "launch_uncertainty_m", "launch.uncertainty_m"

/* 1 when any parameter of ps describes a use. */
static int has_use(const srv_params *ps) {
    static const char *const use[] = {USE_PARAMS, NULL};
    for (int i = 0; i < ps->n; i++)
        for (const char *const *u = use; *u; u++)
            if (strcmp(*u, ps->v[i].key) == 0)
                return 1;
    return 0;
}

/* Countries and regions of the boundary data named by ISO code in a map's zones (the web map's
 * base map), kept for the request. */
typedef struct map_places {
    char code[64][16];
    const char *v[64];
    int n;
} map_places;

static int zones_of(const cav_pack *p, const char *list, int *zones, int max, map_places *pl,
                    srv_reply *r) {
    int n = 0;
    const char *s = list;
    pl->n = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        int z = cav_catalog_find(p, CAV_CAT_ZONE, s, len);
        if (z < 0 && len < sizeof pl->code[0] && pl->n < 64) {
            memcpy(pl->code[pl->n], s, len);
            pl->code[pl->n][len] = '\0';
            if (cav_place_known(pl->code[pl->n])) {
                pl->v[pl->n] = pl->code[pl->n];
                pl->n++;
                s += len + (comma ? 1 : 0);
                continue;
            }
        }
        if (z < 0 || n == max) {
            char msg[200];
            snprintf(msg, sizeof msg, z < 0 ? "unknown zone '%.*s'" : "too many zones", (int)len,
                     s);
            srv_reply_error(r, 400, "zones", msg);
            return -1;
        }
        zones[n++] = z;
        s += len + (comma ? 1 : 0);
    }
    return n;
}

/* The service's cache of map areas (every pack's: the key holds the pack's hash), made on first
 * use: the web map asks for the same use on many dates of one epoch of rules. */
static cav_map_cache *map_cache;
static pthread_once_t map_cache_once = PTHREAD_ONCE_INIT;
static void map_cache_make(void) {
    map_cache = cav_map_cache_new(SRV_MAP_CACHE_ENTRIES);
}

/* The map options from zones, bbox, zoom, width, height and title. 0 or -1 with the error. */
static int map_opts(const cav_pack *p, const srv_params *ps, cav_map_opts *o, int *zones, int max,
                    map_places *pl, srv_reply *r) {
    memset(o, 0, sizeof *o);
    o->zoom_zone = -1;
    pthread_once(&map_cache_once, map_cache_make);
    o->cache = map_cache; /* NULL out of memory: no cache, the same answers */
    o->title = srv_params_get(ps, "title");
    const char *v;
    if ((v = srv_params_get(ps, "zones"))) {
        int n = zones_of(p, v, zones, max, pl, r);
        if (n < 0)
            return -1;
        o->zones = zones;
        o->nzones = n;
        o->places = pl->n ? pl->v : NULL;
        o->nplaces = pl->n;
    }
    if ((v = srv_params_get(ps, "zoom"))) {
        o->zoom_zone = cav_catalog_find(p, CAV_CAT_ZONE, v, strlen(v));
        if (o->zoom_zone < 0 && cav_place_known(v))
            o->zoom_place = v;
        else if (o->zoom_zone < 0) {
            srv_reply_error(r, 400, "zoom", "unknown zone");
            return -1;
        }
    }
    if ((v = srv_params_get(ps, "bbox"))) {
        char *end;
        double b[4];
        const char *s = v;
        for (int i = 0; i < 4; i++) {
            b[i] = strtod(s, &end);
            if (end == s || (i < 3 && *end != ',') || (i == 3 && *end)) {
                srv_reply_error(r, 400, "bbox", "must be SOUTH,WEST,NORTH,EAST in degrees");
                return -1;
            }
            s = end + 1;
        }
        o->has_bbox = 1;
        o->south = b[0], o->west = b[1], o->north = b[2], o->east = b[3];
    }
    static const char *const size[] = {"width", "height"};
    for (int i = 0; i < 2; i++)
        if ((v = srv_params_get(ps, size[i]))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 16 || n > 8192) {
                srv_reply_error(r, 400, size[i], "must be a number of pixels from 16 to 8192");
                return -1;
            }
            *(i ? &o->height : &o->width) = (int)n;
        }
    return 0;
}

static const char *const map_params[] = {"format", "zones",  "zoom",  "bbox",
                                         "width",  "height", "title", NULL};

/* GET /v1/zones: the pack's zones, or with a use the area where it is permitted. */
static void zones(const cav_pack *p, const srv_params *ps, srv_reply *r) {
    static const int fmts[] = {CAV_FMT_GEOJSON, CAV_FMT_SVG, CAV_FMT_PNG, CAV_FMT_PDF, -1};
    static const char *const names[] = {"format", "zones", "zoom",     "bbox", "width",
                                        "height", "title", USE_PARAMS, NULL};
    int fmt = format_of(ps, fmts, CAV_FMT_GEOJSON, r);
    if (fmt < 0 || only(ps, names, r) != 0)
        return;
    int zl[64];
    map_places pl;
    cav_map_opts o;
    if (map_opts(p, ps, &o, zl, 64, &pl, r) != 0)
        return;
    cav_query use, *up = NULL;
    if (has_use(ps)) {
        cav_qerrors e;
        cav_buf id = {0};
        int rc = srv_params_bind(p, ps, map_params, 1, &use, &e, &id, NULL);
        cav_buf_free(&id);
        if (rc != 0) {
            use_error(r, &e);
            return;
        }
        up = &use;
    }
    finish(r, cav_map(p, up, &o, (cav_format)fmt, &r->body), fmt);
}

/* GET /v1/diff: what changed between two dates; as a map with a use. */
static void diff(const cav_pack *p, const srv_params *ps, srv_reply *r) {
    static const int fmts[] = {CAV_FMT_JSON, CAV_FMT_TEXT, CAV_FMT_MD,  CAV_FMT_GEOJSON,
                               CAV_FMT_SVG,  CAV_FMT_PNG,  CAV_FMT_PDF, -1};
    static const char *const names[] = {"from", "to",    "party",  "format", "zones",    "zoom",
                                        "bbox", "width", "height", "title",  USE_PARAMS, NULL};
    int fmt = format_of(ps, fmts, CAV_FMT_JSON, r);
    int32_t from, to;
    if (fmt < 0 || only(ps, names, r) != 0 || date_of(p, ps, "from", &from, r) != 0 ||
        date_of(p, ps, "to", &to, r) != 0)
        return;
    if (fmt == CAV_FMT_JSON || fmt == CAV_FMT_TEXT || fmt == CAV_FMT_MD) {
        cav_filter f;
        if (filter_of(p, ps, &f, r) != 0)
            return;
        finish(r, cav_diff(p, from, to, &f, (cav_format)fmt, &r->body), fmt);
        return;
    }
    /* a map of the change for a use: the use's date is irrelevant (from and to are the dates) */
    static const char *const skip[] = {"from", "to",    "party",  "format", "zones", "zoom",
                                       "bbox", "width", "height", "title",  NULL};
    srv_params with = *ps;
    char day[16];
    if (!srv_params_get(ps, "date") && with.n < SRV_MAX_PARAMS) {
        cav_date_format(to, day);
        with.v[with.n].key = "date";
        with.v[with.n++].value = day;
    }
    int zl[64];
    map_places pl;
    cav_map_opts o;
    if (map_opts(p, ps, &o, zl, 64, &pl, r) != 0)
        return;
    cav_query use;
    cav_qerrors e;
    cav_buf id = {0};
    int rc = srv_params_bind(p, &with, skip, 1, &use, &e, &id, NULL);
    cav_buf_free(&id);
    if (rc != 0) {
        use_error(r, &e);
        return;
    }
    finish(r, cav_map_diff(p, &use, from, to, &o, (cav_format)fmt, &r->body), fmt);
}

/* GET /v1/timeline: the history of the conditions. */
static void timeline(const cav_pack *p, const srv_params *ps, srv_reply *r) {
    static const int fmts[] = {CAV_FMT_JSON, CAV_FMT_TEXT, CAV_FMT_MD, -1};
    static const char *const names[] = {"party", "weapon", "format", NULL};
    cav_filter f;
    int fmt = format_of(ps, fmts, CAV_FMT_JSON, r);
    if (fmt < 0 || only(ps, names, r) != 0 || filter_of(p, ps, &f, r) != 0)
        return;
    finish(r, cav_timeline(p, &f, (cav_format)fmt, &r->body), fmt);
}

/* GET /v1/sources: every source and what cites it. */
static void sources(const cav_pack *p, const srv_params *ps, srv_reply *r) {
    static const int fmts[] = {CAV_FMT_JSON, CAV_FMT_TEXT, CAV_FMT_MD, -1};
    static const char *const names[] = {"format", NULL};
    int fmt = format_of(ps, fmts, CAV_FMT_JSON, r);
    if (fmt < 0 || only(ps, names, r) != 0)
        return;
    finish(r, cav_sources(p, (cav_format)fmt, &r->body), fmt);
}

void srv_report(srv_endpoint e, const cav_pack *p, const srv_params *ps, srv_reply *r) {
    switch (e) {
    case EP_ZONES: zones(p, ps, r); break;
    case EP_DIFF: diff(p, ps, r); break;
    case EP_TIMELINE: timeline(p, ps, r); break;
    case EP_SOURCES: sources(p, ps, r); break;
    default: srv_reply_error(r, 404, NULL, "no such report"); break;
    }
}
