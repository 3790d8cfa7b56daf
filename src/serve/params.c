/* params.c — URL parameters as a query: GET /v1/decisions, /v1/zones and /v1/diff describe a use
 * with parameters, and `caveat log replay` binds a logged GET query the same way.
 *
 * Every field is bound through cav_query_set with the field cav_qfield_find names, the one query
 * mechanism of the library, so a parameter is read exactly as a CSV cell or a command-line flag
 * (names through the catalogs, numbers whatever the locale, dates in the pack's time zone). The
 * only thing added here is the short names of the endpoint ("lat" for target.lat). A parameter
 * that names nothing is an error, never ignored: a misspelt "purpse" must not silently decide a
 * different question.
 *
 * Parameters point into memory the caller owns (libmicrohttpd's connection, or a decoded copy of
 * a logged query string); nothing here allocates but the caller's cav_buf.
 */
#include "serve.h"

#include <stdio.h>
#include <string.h>

/* The short names of the decisions endpoint (docs/serve.md). */
static const struct {
    const char *name;
    cav_qfield field;
} short_names[] = {
    {"lat", CAV_Q_TARGET_LAT},
    {"lon", CAV_Q_TARGET_LON},
    {"kind", CAV_Q_TARGET_KIND},
    {"state", CAV_Q_TARGET_STATE},
    {"role", CAV_Q_TARGET_ROLE},
    {"uncertainty_m", CAV_Q_TARGET_UNCERTAINTY},
    {"uncertainty", CAV_Q_TARGET_UNCERTAINTY},
    {"launch_uncertainty", CAV_Q_LAUNCH_UNCERTAINTY},
};

int srv_param_field(const char *key) {
    for (size_t i = 0; i < sizeof short_names / sizeof *short_names; i++)
        if (strcmp(key, short_names[i].name) == 0)
            return (int)short_names[i].field;
    return cav_qfield_find(key, strlen(key));
}

const char *srv_params_get(const srv_params *ps, const char *key) {
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->v[i].key, key) == 0)
            return ps->v[i].value;
    return NULL;
}

/* Adds a problem of the request itself (not of a field) to e. */
static void add_problem(cav_qerrors *e, const char *name, const char *fmt, const char *arg) {
    if (e->n >= CAV_QERR_MAX) {
        e->more++;
        return;
    }
    cav_qerror *x = &e->v[e->n++];
    x->field = -1;
    snprintf(x->name, sizeof x->name, "%.60s", name);
    snprintf(x->message, sizeof x->message, fmt, arg);
}

static int in_list(const char *key, const char *const *list) {
    for (; list && *list; list++)
        if (strcmp(key, *list) == 0)
            return 1;
    return 0;
}

/* "1", "true", "yes" (and "" for a bare `explain`) are true; "0", "false", "no" false. */
static int flag_value(const char *v, int *out) {
    if (!*v || strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

int srv_params_bind(const cav_pack *p, const srv_params *ps, const char *const *other, int no_point,
                    cav_query *q, cav_qerrors *e, cav_buf *id, unsigned *flags) {
    cav_query_init(q, e);
    cav_buf_clear(id);
    cav_buf_append(id, "null", 4);
    if (ps->overflow)
        add_problem(e, "", "too many parameters (at most %s)", "32");
    if (ps->nul)
        add_problem(e, "", "%s", "a parameter contains a NUL byte");
    int has_id = 0;
    for (int i = 0; i < ps->n; i++) {
        const char *k = ps->v[i].key, *v = ps->v[i].value;
        if (in_list(k, other))
            continue;
        if (strcmp(k, "id") == 0) {
            if (has_id++) /* as check says it, which keeps the last */
                add_problem(e, "id", "%s", "given twice");
            cav_buf_clear(id);
            cav_buf_json_string(id, v, strlen(v));
            continue;
        }
        if (strcmp(k, "explain") == 0) {
            int on;
            if (flag_value(v, &on) != 0)
                add_problem(e, "explain", "%s", "must be 1 or 0 (true or false)");
            else if (flags)
                *flags = on ? (*flags | CAV_EXPLAIN) : (*flags & ~(unsigned)CAV_EXPLAIN);
            continue;
        }
        int f = srv_param_field(k);
        if (f < 0) {
            add_problem(e, k, "unknown parameter '%.60s' (docs/serve.md lists them)", k);
            continue;
        }
        cav_query_set(q, p, (cav_qfield)f, v, strlen(v), e);
    }
    if (no_point) {
        /* a map's use has no target point: any point will do, it is not looked at */
        if (!(q->given & CAV_QBIT(CAV_Q_TARGET_LAT)))
            cav_query_set_number(q, p, CAV_Q_TARGET_LAT, 0, NULL);
        if (!(q->given & CAV_QBIT(CAV_Q_TARGET_LON)))
            cav_query_set_number(q, p, CAV_Q_TARGET_LON, 0, NULL);
    }
    int had = e->n + e->more;
    if (cav_query_finish(q, p, e) != 0 || had)
        return CAV_EQUERY;
    return 0;
}

static int unreserved(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static int put_encoded(cav_buf *out, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c && rc == 0; c++) {
        if (unreserved(*c)) {
            rc = cav_buf_append(out, (const char *)c, 1);
        } else {
            char esc[3] = {'%', hex[*c >> 4], hex[*c & 15]};
            rc = cav_buf_append(out, esc, 3);
        }
    }
    return rc;
}

int srv_params_encode(const srv_params *ps, cav_buf *out) {
    int rc = 0;
    for (int i = 0; i < ps->n && rc == 0; i++) {
        if (i)
            rc = cav_buf_append(out, "&", 1);
        if (rc == 0)
            rc = put_encoded(out, ps->v[i].key);
        if (rc == 0)
            rc = cav_buf_append(out, "=", 1);
        if (rc == 0)
            rc = put_encoded(out, ps->v[i].value);
    }
    return rc;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s in place: "%XX" to a byte, '+' to a space. Returns 1 when a NUL byte was decoded. */
static int decode(char *s) {
    char *o = s;
    int nul = 0;
    for (; *s; s++) {
        if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *o = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            nul |= *o++ == '\0';
            s += 2;
        } else {
            *o++ = *s == '+' ? ' ' : *s;
        }
    }
    *o = '\0';
    return nul;
}

int srv_params_parse(char *buf, srv_params *ps) {
    ps->n = 0;
    ps->overflow = 0;
    ps->nul = 0;
    char *s = buf;
    while (s && *s) {
        char *amp = strchr(s, '&');
        if (amp)
            *amp = '\0';
        if (*s) {
            char *eq = strchr(s, '=');
            if (eq)
                *eq = '\0';
            if (ps->n == SRV_MAX_PARAMS) {
                ps->overflow = 1;
                return -1;
            }
            ps->nul |= decode(s);
            if (eq)
                ps->nul |= decode(eq + 1);
            ps->v[ps->n].key = s;
            ps->v[ps->n].value = eq ? eq + 1 : s + strlen(s);
            ps->n++;
        }
        s = amp ? amp + 1 : NULL;
    }
    return 0;
}
