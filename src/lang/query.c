/* query.c — binding a query, field by field: the one query mechanism of every front end.
 *
 * A query is bound like a prepared statement's parameters (sqlite3_bind_*): each field is set
 * from its text or number through one table of field descriptors, which resolves names against
 * the pack's catalogs, reads numbers whatever the locale, checks ranges, and reports a problem
 * naming the field. `caveat check`'s JSON, the audit's CSV and NDJSON, command-line flags, the
 * service's URL parameters and the Python binding all come through here, so one query gets the
 * same answer and the same errors whichever way it arrives. cav_query_finish then checks what no
 * single field can (required fields, the supplier against the weapon's catalog entry).
 *
 * Nothing is defaulted silently except what docs/semantics.md defaults (target.state = ground;
 * the supplier = the weapon's consent parties). Every problem of a query is collected (up to
 * CAV_QERR_MAX, then counted), so a user fixes a line once.
 *
 * The JSON form (cav_query_parse_json) walks the document with the pull reader of core/json.c
 * and binds each member as it is read: no tree is built, and for a query without escapes no
 * string is copied (a measured hot path: bench/RESULTS.md).
 */
#include "core/json.h"
#include "core/num.h"
#include "core/util.h"
#include "lang/check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- the field descriptors ------------------------------------------------------------------ */

enum { T_DATE, T_NAME, T_STATE, T_ROLE, T_LAT, T_LON, T_METRES };

typedef struct qfield_desc {
    const char *name;   /* "target.lat" */
    const char *object; /* the JSON object holding it ("" top level) */
    const char *key;    /* its key there */
    int type;
    int catalog; /* T_NAME: the catalog */
} qfield_desc;

static const qfield_desc fields[CAV_Q_COUNT] = {
    [CAV_Q_DATE] = {"date", "", "date", T_DATE, 0},
    [CAV_Q_WEAPON] = {"weapon", "", "weapon", T_NAME, CAV_CAT_WEAPON},
    [CAV_Q_SUPPLIER] = {"supplier", "", "supplier", T_NAME, CAV_CAT_PARTY},
    [CAV_Q_TARGET_LAT] = {"target.lat", "target", "lat", T_LAT, 0},
    [CAV_Q_TARGET_LON] = {"target.lon", "target", "lon", T_LON, 0},
    [CAV_Q_TARGET_UNCERTAINTY] = {"target.uncertainty_m", "target", "uncertainty_m", T_METRES, 0},
    [CAV_Q_TARGET_KIND] = {"target.kind", "target", "kind", T_NAME, CAV_CAT_KIND},
    [CAV_Q_TARGET_STATE] = {"target.state", "target", "state", T_STATE, CAV_CAT_STATE},
    [CAV_Q_TARGET_ROLE] = {"target.role", "target", "role", T_ROLE, CAV_CAT_ROLE},
    [CAV_Q_PURPOSE] = {"purpose", "", "purpose", T_NAME, CAV_CAT_PURPOSE},
    [CAV_Q_LAUNCH_LAT] = {"launch.lat", "launch", "lat", T_LAT, 0},
    [CAV_Q_LAUNCH_LON] = {"launch.lon", "launch", "lon", T_LON, 0},
    [CAV_Q_LAUNCH_UNCERTAINTY] = {"launch.uncertainty_m", "launch", "uncertainty_m", T_METRES, 0},
};

const char *cav_qfield_name(cav_qfield f) {
    return (int)f >= 0 && f < CAV_Q_COUNT ? fields[f].name : NULL;
}

int cav_qfield_find(const char *name, size_t len) {
    char norm[64];
    if (!name || len == 0 || len >= sizeof norm)
        return -1;
    /* target_lat, target-lat and TARGET.LAT all name target.lat */
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        norm[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    norm[len] = '\0';
    for (int f = 0; f < CAV_Q_COUNT; f++) {
        const char *n = fields[f].name;
        if (strlen(n) != len)
            continue;
        int same = 1;
        for (size_t i = 0; same && i < len; i++)
            same = n[i] == norm[i] || (n[i] == '.' && (norm[i] == '_' || norm[i] == '-')) ||
                   (n[i] == '_' && norm[i] == '-');
        if (same)
            return f;
    }
    return -1;
}

/* The required fields (CAV_QBIT). */
#define REQUIRED                                                                                   \
    (CAV_QBIT(CAV_Q_DATE) | CAV_QBIT(CAV_Q_WEAPON) | CAV_QBIT(CAV_Q_TARGET_LAT) |                  \
     CAV_QBIT(CAV_Q_TARGET_LON) | CAV_QBIT(CAV_Q_TARGET_KIND))

int cav_qfield_required(cav_qfield f) {
    return f >= 0 && f < CAV_Q_COUNT && (REQUIRED & CAV_QBIT(f)) != 0;
}

/* ---- problems ------------------------------------------------------------------------------- */

/* Adds a problem of field f (-1: the document), named `name` (NULL: the field's own name). */
__attribute__((format(printf, 4, 5))) static int problem(cav_qerrors *e, int f, const char *name,
                                                         const char *fmt, ...) {
    if (!e)
        return CAV_EQUERY;
    va_list ap;
    va_start(ap, fmt);
    cav__qerrors_vadd(e, f, name ? name : f >= 0 ? fields[f].name : "", fmt, ap);
    va_end(ap);
    return CAV_EQUERY;
}

/* ---- setters -------------------------------------------------------------------------------- */

void cav_query_init(cav_query *q, cav_qerrors *e) {
    memset(q, 0, sizeof *q);
    q->date = CAV_NO_DATE;
    q->weapon = q->kind = -1;
    q->supplier = q->purpose = q->role = CAV_MISSING;
    q->state = CAV_STATE_GROUND;
    q->target_lat = q->target_lon = q->launch_lat = q->launch_lon = NAN;
    if (e) {
        e->n = 0;
        e->more = 0;
    }
}

/* Names of a catalog, aliases and other names included, for did-you-mean; alias i of entry k is
 * shown as "k (alias)". Returns the count; names live in the pack or in store. */
static size_t candidates(const cav_pack *p, int catalog, const char **out, size_t max) {
    size_t n = 0;
    int count = cav_catalog_count(p, (cav_catalog)catalog);
    for (int i = 0; i < count && n < max; i++)
        out[n++] = cav_catalog_name(p, (cav_catalog)catalog, i);
    if (catalog == CAV_CAT_WEAPON)
        for (int i = 0; i < p->nweapons; i++)
            for (int k = 0; k < p->weapons[i].naliases && n < max; k++)
                out[n++] = p->weapons[i].aliases[k];
    if (catalog == CAV_CAT_PARTY)
        for (int i = 0; i < p->nparties; i++)
            for (int k = 0; k < p->parties[i].nnames && n < max; k++)
                out[n++] = p->parties[i].names[k];
    return n;
}

static int unknown_name(const cav_pack *p, cav_qerrors *e, int f, const char *s, size_t len) {
    char shown[96];
    cav__quote_value(s, len, shown, sizeof shown);
    int catalog = fields[f].catalog;
    const char *label = fields[f].name;
    if (!p)
        return problem(e, f, NULL, "unknown %s '%s'", label, shown);
    const char *names[512];
    size_t n = candidates(p, catalog, names, 512);
    char near[160];
    char probe[128];
    snprintf(probe, sizeof probe, "%s", shown);
    if (cav__nearest_names(probe, names, n, near, sizeof near)) {
        /* an alias found near is shown with the entry it names */
        int id = cav_catalog_find(p, (cav_catalog)catalog, near, strlen(near));
        const char *canon = id >= 0 ? cav_catalog_name(p, (cav_catalog)catalog, id) : NULL;
        if (canon && !strchr(near, ',') && !strstr(near, " or ") && cav__streqi(canon, near) == 0)
            return problem(e, f, NULL, "unknown %s '%s' (did you mean %s, that is %s?)", label,
                           shown, near, canon);
        return problem(e, f, NULL, "unknown %s '%s' (did you mean %s?)", label, shown, near);
    }
    int count = cav_catalog_count(p, (cav_catalog)catalog);
    if (count <= 16) {
        char list[400] = "";
        size_t k = 0;
        for (int i = 0; i < count && k + 70 < sizeof list; i++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
                                  cav_catalog_name(p, (cav_catalog)catalog, i));
        return problem(e, f, NULL, "unknown %s '%s' (valid values: %s)", label, shown, list);
    }
    return problem(e, f, NULL, "unknown %s '%s' (`caveat catalog %s` lists them)", label, shown,
                   cav_catalog_label((cav_catalog)catalog));
}

/* Checks that f is not set yet; marks it set. */
static int take(cav_query *q, cav_qerrors *e, int f) {
    if (q->given & CAV_QBIT(f))
        return problem(e, f, NULL, "given twice");
    q->given |= CAV_QBIT(f);
    return 0;
}

static int set_number(cav_query *q, int f, double v, cav_qerrors *e) {
    const qfield_desc *d = &fields[f];
    if (!isfinite(v))
        return problem(e, f, NULL, "must be a finite number");
    const char *range = NULL;
    if (d->type == T_LAT && (v < -90 || v > 90))
        range = "-90 to 90 degrees";
    else if (d->type == T_LON && (v < -180 || v > 180))
        range = "-180 to 180 degrees";
    else if (d->type == T_METRES && (v < 0 || v > CAV_MAX_UNCERTAINTY_M))
        range = "0 to 1000000 metres";
    if (range) {
        char shown[40];
        cav__format_double(v, shown, sizeof shown);
        return problem(e, f, NULL, "%s is out of range (%s)", shown, range);
    }
    switch (f) {
    case CAV_Q_TARGET_LAT: q->target_lat = v; break;
    case CAV_Q_TARGET_LON: q->target_lon = v; break;
    case CAV_Q_TARGET_UNCERTAINTY: q->target_uncertainty_m = v; break;
    case CAV_Q_LAUNCH_LAT: q->launch_lat = v; break;
    case CAV_Q_LAUNCH_LON: q->launch_lon = v; break;
    default: q->launch_uncertainty_m = v; break;
    }
    return 0;
}

int cav_query_set_number(cav_query *q, const cav_pack *p, cav_qfield f, double v, cav_qerrors *e) {
    (void)p;
    if ((int)f < 0 || f >= CAV_Q_COUNT)
        return CAV_EINVAL;
    int t = fields[f].type;
    if (t != T_LAT && t != T_LON && t != T_METRES)
        return problem(e, f, NULL, "must be %s, not a number",
                       t == T_DATE ? "a date (YYYY-MM-DD) or a timestamp" : "a name");
    if (take(q, e, f))
        return CAV_EQUERY;
    return set_number(q, f, v, e);
}

/* Reads a decimal number from text: the JSON grammar, with an optional leading '+' and
 * surrounding spaces (as CSV and flags write them); whatever the locale. 0 or -1. */
static int text_number(const char *s, size_t n, double *v) {
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n && *s == '+') {
        s++;
        n--;
        if (n && *s == '-')
            return -1;
    }
    cav_json j;
    cav__json_init(&j, s, n);
    const char *raw;
    size_t rawn;
    int rc = cav__json_number(&j, v, &raw, &rawn) == 0 && cav__json_finish(&j) == 0 ? 0 : -1;
    cav__json_free(&j);
    return rc;
}

static int set_name(cav_query *q, const cav_pack *p, int f, const char *s, size_t n,
                    cav_qerrors *e) {
    int id = cav_catalog_find(p, (cav_catalog)fields[f].catalog, s, n);
    if (id < 0)
        return unknown_name(p, e, f, s, n);
    switch (f) {
    case CAV_Q_WEAPON: q->weapon = id; break;
    case CAV_Q_SUPPLIER: q->supplier = id; break;
    case CAV_Q_TARGET_KIND: q->kind = id; break;
    case CAV_Q_TARGET_STATE: q->state = id; break;
    case CAV_Q_TARGET_ROLE: q->role = id; break;
    default: q->purpose = id; break;
    }
    return 0;
}

int cav_query_set(cav_query *q, const cav_pack *p, cav_qfield f, const char *text, size_t len,
                  cav_qerrors *e) {
    if (!q || (int)f < 0 || f >= CAV_Q_COUNT || (!text && len))
        return CAV_EINVAL;
    if (take(q, e, f))
        return CAV_EQUERY;
    if (len && memchr(text, '\0', len))
        return problem(e, f, NULL, "contains a NUL character");
    if (!cav__utf8_valid(text, len))
        return problem(e, f, NULL, "is not valid UTF-8");
    const qfield_desc *d = &fields[f];
    switch (d->type) {
    case T_DATE: {
        cav_buf msg = {0};
        while (len && (*text == ' ' || *text == '\t')) {
            text++;
            len--;
        }
        while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
            len--;
        int rc = cav_date_parse_in(p, text, len, &q->date, &msg);
        if (rc != 0)
            problem(e, f, NULL, "%s", msg.failed || !msg.data ? "is no date" : msg.data);
        cav_buf_free(&msg);
        return rc ? CAV_EQUERY : 0;
    }
    case T_LAT:
    case T_LON:
    case T_METRES: {
        double v;
        if (text_number(text, len, &v) != 0) {
            char shown[96];
            cav__quote_value(text, len, shown, sizeof shown);
            if (len == 0)
                return problem(e, f, NULL, "is empty; a number is needed");
            return problem(e, f, NULL, "'%s' is not a number%s", shown,
                           d->type == T_METRES ? " of metres" : " of degrees");
        }
        return set_number(q, f, v, e);
    }
    default:
        if (len == 0)
            return problem(e, f, NULL, "is empty");
        return set_name(q, p, f, text, len, e);
    }
}

int cav_query_set_date(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e) {
    return cav_query_set(q, p, CAV_Q_DATE, s, s ? strlen(s) : 0, e);
}
int cav_query_set_weapon(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e) {
    return cav_query_set(q, p, CAV_Q_WEAPON, s, s ? strlen(s) : 0, e);
}
int cav_query_set_supplier(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e) {
    return cav_query_set(q, p, CAV_Q_SUPPLIER, s, s ? strlen(s) : 0, e);
}
int cav_query_set_kind(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e) {
    return cav_query_set(q, p, CAV_Q_TARGET_KIND, s, s ? strlen(s) : 0, e);
}
int cav_query_set_state(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e) {
    return cav_query_set(q, p, CAV_Q_TARGET_STATE, s, s ? strlen(s) : 0, e);
}
int cav_query_set_role(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e) {
    return cav_query_set(q, p, CAV_Q_TARGET_ROLE, s, s ? strlen(s) : 0, e);
}
int cav_query_set_purpose(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e) {
    return cav_query_set(q, p, CAV_Q_PURPOSE, s, s ? strlen(s) : 0, e);
}
int cav_query_set_target(cav_query *q, const cav_pack *p, double lat, double lon, cav_qerrors *e) {
    int a = cav_query_set_number(q, p, CAV_Q_TARGET_LAT, lat, e);
    int b = cav_query_set_number(q, p, CAV_Q_TARGET_LON, lon, e);
    return a ? a : b;
}
int cav_query_set_launch(cav_query *q, const cav_pack *p, double lat, double lon, cav_qerrors *e) {
    int a = cav_query_set_number(q, p, CAV_Q_LAUNCH_LAT, lat, e);
    int b = cav_query_set_number(q, p, CAV_Q_LAUNCH_LON, lon, e);
    return a ? a : b;
}

/* cav_query_finish, for a query whose fields in `open` (CAV_QBIT) are not asked. */
static int finish(cav_query *q, const cav_pack *p, uint32_t open, cav_qerrors *e) {
    int before = e ? e->n + e->more : 0, bad = 0;
    uint32_t absent = REQUIRED & ~q->given & ~open; /* one test a query, not one a field */
    for (int f = 0; absent && f < CAV_Q_COUNT; f++)
        if (absent & CAV_QBIT(f))
            bad |= problem(e, f, NULL, "missing; it is required") != 0;
    uint32_t lat = CAV_QBIT(CAV_Q_LAUNCH_LAT), lon = CAV_QBIT(CAV_Q_LAUNCH_LON);
    if ((q->given & lat) && !(q->given & lon))
        bad |= problem(e, CAV_Q_LAUNCH_LON, NULL, "missing; a launch point needs lat and lon");
    if ((q->given & lon) && !(q->given & lat))
        bad |= problem(e, CAV_Q_LAUNCH_LAT, NULL, "missing; a launch point needs lat and lon");
    if ((q->given & CAV_QBIT(CAV_Q_LAUNCH_UNCERTAINTY)) && !(q->given & (lat | lon)))
        bad |= problem(e, CAV_Q_LAUNCH_UNCERTAINTY, NULL, "is given without a launch point") != 0;
    q->has_launch = (q->given & lat) && (q->given & lon);
    if (open & (CAV_QBIT(CAV_Q_WEAPON) | CAV_QBIT(CAV_Q_SUPPLIER))) {
        q->weapon = -1; /* varied by the function the use is given to */
        q->supplier = CAV_MISSING;
    }
    if (p && q->weapon >= 0 && q->weapon < p->nweapons) {
        const cav_weapon *w = &p->weapons[q->weapon];
        if (w->nconsent == 0 && q->supplier == CAV_MISSING &&
            !(q->given & CAV_QBIT(CAV_Q_SUPPLIER)))
            bad |= problem(e, CAV_Q_SUPPLIER, NULL,
                           "missing; weapon '%s' has several suppliers and no fixed consent "
                           "party, so the supplier decides whose conditions apply",
                           w->id) != 0;
        if (w->nsuppliers > 0 && q->supplier >= 0) {
            int listed = 0;
            for (int i = 0; i < w->nsuppliers; i++)
                listed |= w->suppliers[i] == q->supplier;
            if (!listed)
                bad |= problem(e, CAV_Q_SUPPLIER, NULL, "%s is not recorded as a supplier of '%s'",
                               p->parties[q->supplier].code, w->id) != 0;
        }
    }
    if (e)
        bad |= e->n + e->more > before;
    return bad ? CAV_EQUERY : 0;
}

int cav_query_finish(cav_query *q, const cav_pack *p, cav_qerrors *e) {
    return finish(q, p, 0, e);
}

int cav_query_finish_use(cav_query *q, const cav_pack *p, uint32_t open, cav_qerrors *e) {
    uint32_t allowed = CAV_QBIT(CAV_Q_WEAPON) | CAV_QBIT(CAV_Q_SUPPLIER) |
                       CAV_QBIT(CAV_Q_TARGET_LAT) | CAV_QBIT(CAV_Q_TARGET_LON) |
                       CAV_QBIT(CAV_Q_TARGET_UNCERTAINTY);
    if (open & ~allowed)
        return CAV_EINVAL;
    return finish(q, p, open, e);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/* The JSON of one member value bound to field f. */
static void bind_json_value(cav_json *j, const cav_pack *p, cav_query *q, int f, cav_qerrors *e) {
    const qfield_desc *d = &fields[f];
    cav_jkind k = cav__json_peek(j);
    if (k == CAV_J_NULL) {
        cav__json_literal(j); /* null: the field is not given */
        return;
    }
    int numeric = d->type == T_LAT || d->type == T_LON || d->type == T_METRES;
    if (numeric && k == CAV_J_NUMBER) {
        double v;
        const char *raw;
        size_t rawn;
        if (cav__json_number(j, &v, &raw, &rawn) == 0)
            cav_query_set_number(q, p, (cav_qfield)f, v, e);
        return;
    }
    if (!numeric && k == CAV_J_STRING) {
        const char *s;
        size_t n;
        if (cav__json_string(j, &s, &n) == 0)
            cav_query_set(q, p, (cav_qfield)f, s, n, e);
        return;
    }
    q->given |= CAV_QBIT(f); /* given, wrongly: not "missing" too */
    if (cav__json_skip(j) == 0)
        problem(e, f, NULL, "must be %s",
                numeric ? (d->type == T_METRES ? "a number of metres" : "a number of degrees")
                : d->type == T_DATE ? "a date string (YYYY-MM-DD) or a timestamp"
                                    : "a string");
}

static int key_is(const char *key, size_t n, const char *want) {
    return strlen(want) == n && memcmp(key, want, n) == 0;
}

/* "unknown field" with the nearest known key. */
static void unknown_member(cav_qerrors *e, const char *prefix, const char *key, size_t n,
                           const char *const *known, size_t nknown) {
    char shown[96], field[160], near[128];
    cav__quote_value(key, n, shown, sizeof shown);
    snprintf(field, sizeof field, "%s%s", prefix, shown);
    if (cav__nearest_names(shown, known, nknown, near, sizeof near))
        problem(e, -1, field, "unknown field '%s' (did you mean %s?)", shown, near);
    else
        problem(e, -1, field, "unknown field '%s'", shown);
}

/* Binds the members of the object "target" or "launch" (the reader stands before it). */
static void bind_place(cav_json *j, const cav_pack *p, cav_query *q, const char *object,
                       cav_qerrors *e) {
    const char *known[CAV_Q_COUNT];
    int ids[CAV_Q_COUNT];
    size_t nknown = 0;
    for (int f = 0; f < CAV_Q_COUNT; f++)
        if (strcmp(fields[f].object, object) == 0) {
            known[nknown] = fields[f].key;
            ids[nknown++] = f;
        }
    if (cav__json_peek(j) != CAV_J_OBJECT) {
        if (cav__json_skip(j) == 0)
            problem(e, -1, object, "must be an object with lat and lon");
        return;
    }
    int st = 0;
    const char *key;
    size_t n;
    while (cav__json_member(j, &st, &key, &n) == 1) {
        int f = -1;
        for (size_t i = 0; i < nknown; i++)
            if (key_is(key, n, known[i]))
                f = ids[i];
        if (f < 0) {
            char prefix[16];
            snprintf(prefix, sizeof prefix, "%s.", object);
            unknown_member(e, prefix, key, n, known, nknown); /* each named, as at the top */
            cav__json_skip(j);
            continue;
        }
        bind_json_value(j, p, q, f, e);
    }
}

/* Copies the id member's value into id as JSON text. */
static void bind_id(cav_json *j, cav_buf *id, cav_qerrors *e) {
    cav_jkind k = cav__json_peek(j);
    if (k == CAV_J_NULL) {
        cav__json_literal(j); /* null is no id, as for every optional member */
        return;
    }
    if (k == CAV_J_STRING) {
        const char *s;
        size_t n;
        if (cav__json_string(j, &s, &n) == 0 && id) {
            cav_buf_clear(id);
            cav__buf_json(id, s, n);
        }
        return;
    }
    if (k == CAV_J_NUMBER) {
        double v;
        const char *raw;
        size_t n;
        if (cav__json_number(j, &v, &raw, &n) != 0)
            return;
        int integer = memchr(raw, '.', n) == NULL && memchr(raw, 'e', n) == NULL &&
                      memchr(raw, 'E', n) == NULL;
        if (integer && id) {
            cav_buf_clear(id);
            cav__buf_put(id, raw, n);
        } else if (!integer) {
            problem(e, -1, "id", "must be a string or an integer");
        }
        return;
    }
    if (cav__json_skip(j) == 0)
        problem(e, -1, "id", "must be a string or an integer");
}

int cav_query_parse_json(const cav_pack *p, const char *json, size_t len, const cav_query *defaults,
                         cav_query *q, cav_buf *id, cav_qerrors *e) {
    static const char *const top[] = {"id",     "date",   "weapon", "supplier",
                                      "target", "launch", "purpose"};
    cav_query_init(q, e);
    if (id) {
        cav_buf_clear(id);
        cav__buf_puts(id, "null");
    }
    cav_json j;
    cav__json_init(&j, json, len);
    if (cav__json_peek(&j) != CAV_J_OBJECT) {
        if (!j.failed && cav__json_skip(&j) == 0 && cav__json_finish(&j) == 0) {
            cav__json_free(&j);
            return problem(e, -1, "", "a query must be a JSON object");
        }
    } else {
        int st = 0, seen_id = 0, seen_target = 0, seen_launch = 0;
        const char *key;
        size_t n;
        while (cav__json_member(&j, &st, &key, &n) == 1) {
            /* a member whose value is null is not given (docs/semantics.md): it is neither a
             * value nor a second one, for id, target and launch as for every field */
            int null = cav__json_peek(&j) == CAV_J_NULL;
            if (key_is(key, n, "id")) {
                if (!null && seen_id++)
                    problem(e, -1, "id", "given twice");
                bind_id(&j, id, e);
            } else if (key_is(key, n, "target") || key_is(key, n, "launch")) {
                int *seen = key[0] == 't' ? &seen_target : &seen_launch;
                if (null) {
                    cav__json_literal(&j);
                    continue;
                }
                if ((*seen)++)
                    problem(e, -1, key[0] == 't' ? "target" : "launch", "given twice");
                bind_place(&j, p, q, key[0] == 't' ? "target" : "launch", e);
            } else {
                int f = -1;
                for (int k = 0; k < CAV_Q_COUNT; k++)
                    if (fields[k].object[0] == '\0' && key_is(key, n, fields[k].key))
                        f = k;
                if (f < 0) {
                    unknown_member(e, "", key, n, top, 7);
                    cav__json_skip(&j);
                } else {
                    bind_json_value(&j, p, q, f, e);
                }
            }
        }
    }
    cav__json_finish(&j);
    if (j.oom || (id && id->failed)) {
        cav__json_free(&j);
        return CAV_ENOMEM;
    }
    if (j.failed) {
        /* the document is not JSON: that is its one problem */
        if (e) {
            e->n = 0;
            e->more = 0;
        }
        problem(e, -1, "", "not valid JSON: %s (column %zu)", j.err, j.err_at + 1);
        cav__json_free(&j);
        return CAV_EQUERY;
    }
    cav__json_free(&j);
    if (defaults) {
        if (!(q->given & CAV_QBIT(CAV_Q_DATE)) && (defaults->given & CAV_QBIT(CAV_Q_DATE))) {
            q->date = defaults->date;
            q->given |= CAV_QBIT(CAV_Q_DATE);
        }
    }
    int rc = cav_query_finish(q, p, e);
    return rc != 0 || (e && e->n) ? CAV_EQUERY : 0;
}

/* ---- error lines ---------------------------------------------------------------------------- */

int cav_qerrors_json(const cav_qerrors *e, const char *id_json, long line, cav_buf *out) {
    cav__buf_puts(out, "{\"id\": ");
    cav__buf_puts(out, id_json && *id_json ? id_json : "null");
    cav__buf_puts(out, ", \"error\": {\"field\": ");
    const cav_qerror *first = e && e->n ? &e->v[0] : NULL;
    if (first && first->name[0])
        cav__buf_json_str(out, first->name);
    else
        cav__buf_puts(out, "null");
    if (line > 0)
        cav__buf_printf(out, ", \"line\": %ld", line);
    cav__buf_puts(out, ", \"message\": ");
    cav__buf_json_str(out, first ? first->message : "the query could not be evaluated");
    if (e && e->n + e->more > 1) {
        cav__buf_puts(out, ", \"problems\": [");
        for (int i = 0; i < e->n; i++) {
            cav__buf_puts(out, i ? ", {\"field\": " : "{\"field\": ");
            if (e->v[i].name[0])
                cav__buf_json_str(out, e->v[i].name);
            else
                cav__buf_puts(out, "null");
            cav__buf_puts(out, ", \"message\": ");
            cav__buf_json_str(out, e->v[i].message);
            cav__buf_puts(out, "}");
        }
        cav__buf_puts(out, "]");
        if (e->more)
            cav__buf_printf(out, ", \"more_problems\": %d", e->more);
    }
    cav__buf_puts(out, "}}");
    return cav__buf_status(out);
}

int cav_qerrors_text(const cav_qerrors *e, long line, cav_buf *out) {
    if (line > 0)
        cav__buf_printf(out, "line %ld: ", line);
    cav__buf_puts(out, "error: ");
    for (int i = 0; e && i < e->n; i++) {
        if (i)
            cav__buf_puts(out, "; ");
        if (e->v[i].name[0]) {
            cav__buf_puts(out, e->v[i].name);
            cav__buf_puts(out, ": ");
        }
        cav__buf_puts(out, e->v[i].message);
    }
    if (e && e->more)
        cav__buf_printf(out, "; and %d more problem%s", e->more, e->more == 1 ? "" : "s");
    return cav__buf_status(out);
}

int cav_qerrors_add(cav_qerrors *e, int field, const char *message) {
    if (!e || !message || field < -1 || field >= CAV_Q_COUNT)
        return CAV_EINVAL;
    problem(e, field, NULL, "%s", message);
    return 0;
}
