/* query.c — reading one JSON query (DESIGN.md format) into a cav_query.
 *
 * Every problem is named by its field ("target.lat") with a message; nothing is defaulted
 * silently except what DESIGN.md defaults (target.state = ground, supplier = the weapon's consent
 * parties). Unknown fields are errors, so a misspelt "purpsoe" cannot silently drop a condition.
 * JSON parsing uses jansson; this is not the evaluation hot path (the audit's CSV reader is).
 */
#include "core/util.h"
#include "lang/check.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct qerr {
    char *field, *msg;
    size_t fieldsize, msgsize;
} qerr;

__attribute__((format(printf, 3, 4))) static int fail(qerr *e, const char *field, const char *fmt,
                                                      ...) {
    snprintf(e->field, e->fieldsize, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, e->msgsize, fmt, ap);
    va_end(ap);
    return CAV_EQUERY;
}

static int check_keys(json_t *obj, const char *prefix, const char *const *known, size_t n,
                      qerr *e) {
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (size_t i = 0; i < n; i++)
            ok |= strcmp(key, known[i]) == 0;
        if (ok)
            continue;
        char field[96], near[96];
        snprintf(field, sizeof field, "%s%s", prefix, key);
        if (cav__nearest_names(key, known, n, near, sizeof near))
            return fail(e, field, "unknown field '%s' (did you mean %s?)", key, near);
        return fail(e, field, "unknown field '%s'", key);
    }
    return 0;
}

/* A catalog name: returns its id or an error naming the nearest known names. */
static int name_field(const cav_pack *p, json_t *v, const char *field, cav_field kind, int required,
                      int *out, qerr *e) {
    if (!v) {
        if (required)
            return fail(e, field, "missing; it is required");
        *out = CAV_MISSING;
        return 0;
    }
    if (!json_is_string(v))
        return fail(e, field, "must be a string");
    const char *s = json_string_value(v);
    int id = -1;
    size_t n = 0;
    const char *names[256];
    switch (kind) {
    case CAV_F_WEAPON:
        id = cav__find_weapon(p, s);
        for (int i = 0; i < p->nweapons && n < 256; i++)
            names[n++] = p->weapons[i].id;
        break;
    case CAV_F_KIND:
        id = cav__find_kind(p, s);
        for (int i = 0; i < p->nkinds && n < 256; i++)
            names[n++] = p->kinds[i].id;
        break;
    case CAV_F_PURPOSE:
        id = cav__find_purpose(p, s);
        for (int i = 0; i < p->npurposes && n < 256; i++)
            names[n++] = p->purposes[i].id;
        break;
    case CAV_F_STATE:
        id = cav__find_state(s);
        names[n++] = "ground";
        names[n++] = "airborne";
        break;
    default:
        id = cav__find_party(p, s);
        for (int i = 0; i < p->nparties && n < 256; i++)
            names[n++] = p->parties[i].code;
        break;
    }
    if (id >= 0) {
        *out = id;
        return 0;
    }
    char near[128];
    char shown[64];
    snprintf(shown, sizeof shown, "%s", s);
    if (cav__nearest_names(s, names, n, near, sizeof near))
        return fail(e, field, "unknown %s '%s' (did you mean %s?)", field, shown, near);
    return fail(e, field, "unknown %s '%s'", field, shown);
}

static int coord(json_t *obj, const char *field, const char *key, double lim, double *out,
                 qerr *e) {
    char name[32];
    snprintf(name, sizeof name, "%s.%s", field, key);
    json_t *v = json_object_get(obj, key);
    if (!v)
        return fail(e, name, "missing; it is required");
    if (!json_is_number(v))
        return fail(e, name, "must be a number of degrees");
    double d = json_number_value(v);
    if (!isfinite(d) || d < -lim || d > lim)
        return fail(e, name, "%g is out of range (-%g to %g)", d, lim, lim);
    *out = d;
    return 0;
}

static int place(json_t *obj, const char *field, double *lat, double *lon, qerr *e) {
    if (!json_is_object(obj))
        return fail(e, field, "must be an object with lat and lon");
    int rc = coord(obj, field, "lat", 90, lat, e);
    return rc ? rc : coord(obj, field, "lon", 180, lon, e);
}

static int parse_obj(const cav_pack *p, json_t *root, cav_query *q, qerr *e) {
    static const char *const top[] = {"id",     "date",   "weapon", "supplier",
                                      "target", "launch", "purpose"};
    static const char *const tgt[] = {"lat", "lon", "kind", "state"};
    static const char *const lch[] = {"lat", "lon"};
    int rc = check_keys(root, "", top, 7, e);
    if (rc)
        return rc;
    json_t *date = json_object_get(root, "date");
    if (!date)
        return fail(e, "date", "missing; it is required");
    if (!json_is_string(date) || cav_date_parse(json_string_value(date), &q->date) != 0)
        return fail(e, "date", "must be a date written YYYY-MM-DD");
    if ((rc = name_field(p, json_object_get(root, "weapon"), "weapon", CAV_F_WEAPON, 1, &q->weapon,
                         e)))
        return rc;
    if ((rc = name_field(p, json_object_get(root, "supplier"), "supplier", CAV_F_SUPPLIER, 0,
                         &q->supplier, e)))
        return rc;
    const cav_weapon *w = &p->weapons[q->weapon];
    if (w->nconsent == 0 && q->supplier == CAV_MISSING)
        return fail(e, "supplier",
                    "missing; weapon '%s' has several suppliers and no fixed "
                    "consent party, so the supplier decides whose conditions apply",
                    w->id);
    if (w->nsuppliers > 0 && q->supplier != CAV_MISSING) {
        int listed = 0;
        for (int i = 0; i < w->nsuppliers; i++)
            listed |= w->suppliers[i] == q->supplier;
        if (!listed)
            return fail(e, "supplier", "%s is not recorded as a supplier of '%s'",
                        p->parties[q->supplier].code, w->id);
    }
    json_t *target = json_object_get(root, "target");
    if (!target)
        return fail(e, "target", "missing; it is required");
    if ((rc = place(target, "target", &q->target_lat, &q->target_lon, e)))
        return rc;
    if ((rc = check_keys(target, "target.", tgt, 4, e)))
        return rc;
    if ((rc = name_field(p, json_object_get(target, "kind"), "target.kind", CAV_F_KIND, 1, &q->kind,
                         e)))
        return rc;
    if ((rc = name_field(p, json_object_get(target, "state"), "target.state", CAV_F_STATE, 0,
                         &q->state, e)))
        return rc;
    if (q->state == CAV_MISSING)
        q->state = CAV_STATE_GROUND;
    json_t *launch = json_object_get(root, "launch");
    q->has_launch = launch != NULL && !json_is_null(launch);
    if (q->has_launch) {
        if ((rc = place(launch, "launch", &q->launch_lat, &q->launch_lon, e)))
            return rc;
        if ((rc = check_keys(launch, "launch.", lch, 2, e)))
            return rc;
    }
    return name_field(p, json_object_get(root, "purpose"), "purpose", CAV_F_PURPOSE, 0, &q->purpose,
                      e);
}

int cav_query_parse_json(const cav_pack *p, const char *json, size_t len, cav_query *q, char *id,
                         size_t idsize, char *field, size_t fieldsize, char *msg, size_t msgsize) {
    qerr e = {field, msg, fieldsize, msgsize};
    memset(q, 0, sizeof *q);
    q->supplier = q->purpose = CAV_MISSING;
    snprintf(id, idsize, "null");
    snprintf(field, fieldsize, "%s", "");
    snprintf(msg, msgsize, "%s", "");
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return fail(&e, "", "not valid JSON: %s (column %d)", jerr.text, jerr.column);
    int rc;
    if (!json_is_object(root)) {
        rc = fail(&e, "", "a query must be a JSON object");
        goto cleanup;
    }
    json_t *jid = json_object_get(root, "id");
    if (jid) {
        if (!json_is_string(jid) && !json_is_integer(jid)) {
            rc = fail(&e, "id", "must be a string or an integer");
            goto cleanup;
        }
        char *s = json_dumps(jid, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!s) {
            rc = CAV_ENOMEM;
            goto cleanup;
        }
        if (strlen(s) >= idsize) {
            free(s);
            rc = fail(&e, "id", "is too long (at most %zu characters)", idsize - 3);
            goto cleanup;
        }
        snprintf(id, idsize, "%s", s);
        free(s);
    }
    rc = parse_obj(p, root, q, &e);
cleanup:
    json_decref(root);
    return rc;
}
