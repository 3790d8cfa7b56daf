/* audit_plan.c — reading a log's header and the audit's options into a plan: which column gives
 * which query field, how each column came to give it, and the output's columns.
 *
 * A column gives a field by --map (COLUMN=FIELD), else by its name (cav_qfield_find: target.lat,
 * target_lat, TARGET-LAT), else by one of the names logs commonly use (the table below). Nothing
 * is guessed silently: the summary lists every binding with how it was made and every column kept
 * out of the query. When two columns of the same standing give one field the header is refused
 * (the user says which with --map); a column of lower standing for a field already given is kept
 * out of the query and listed. Every problem of the header is reported at once: duplicate names,
 * --map naming a column or a field that does not exist, required fields no column gives (with
 * the columns whose names are near).
 *
 * Ownership: the plan owns every string it holds (cav__audit_plan_free).
 */
#include "batch/audit.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pseudo-fields beside the cav_qfield ids. */
enum { F_ID = CAV_Q_COUNT, F_MGRS_TARGET, F_MGRS_LAUNCH, F_PASS, F_NFIELDS };

/* Usual names of fields in logs, compared after lower-casing with ' ', '-' and '.' read as '_'. */
static const struct {
    int field;
    const char *names[12];
} usual[] = {
    {CAV_Q_DATE,
     {"time", "timestamp", "datetime", "date_time", "event_date", "event_time", "day", "when",
      "date_utc", "time_utc", "dtg", NULL}},
    {CAV_Q_WEAPON, {"system", "weapon_system", "munition", "weapon_type", "weapon_name", NULL}},
    {CAV_Q_SUPPLIER, {"donor", "supplied_by", "supplier_country", "provider", NULL}},
    {CAV_Q_TARGET_LAT, {"lat", "latitude", "target_latitude", "tgt_lat", "y_lat", NULL}},
    {CAV_Q_TARGET_LON,
     {"lon", "lng", "long", "longitude", "target_longitude", "target_lng", "tgt_lon", NULL}},
    {CAV_Q_TARGET_KIND, {"kind", "type", "target_type", "target_category", "category", NULL}},
    {CAV_Q_TARGET_STATE, {"state", NULL}},
    {CAV_Q_TARGET_ROLE, {"role", NULL}},
    {CAV_Q_TARGET_UNCERTAINTY,
     {"uncertainty", "uncertainty_m", "accuracy", "accuracy_m", "error_m", "cep", NULL}},
    {CAV_Q_PURPOSE, {"mission", "reason", NULL}},
    {CAV_Q_LAUNCH_LAT, {"launch_latitude", "from_lat", "origin_lat", "firing_lat", NULL}},
    {CAV_Q_LAUNCH_LON,
     {"launch_longitude", "launch_lng", "from_lon", "origin_lon", "firing_lon", NULL}},
    {F_ID, {"id", "event_id", "event", "ref", "reference", "uid", NULL}},
    {F_MGRS_TARGET, {"mgrs", "grid", "mgrs_grid", "grid_ref", "target_mgrs", "target_grid", NULL}},
    {F_MGRS_LAUNCH, {"launch_mgrs", "launch_grid", "firing_grid", NULL}},
};

static const char *const out_names[OUT_NKINDS] = {
    "input", "",           "line",        "date",        "decision", "parties",
    "rule",  "valid_from", "valid_until", "explanation", "why",      "error"};

const char *cav__audit_out_name(out_kind k) {
    return (int)k >= 0 && k < OUT_NKINDS ? out_names[k] : "";
}

const char *cav__audit_how_name(col_how h) {
    switch (h) {
    case HOW_NAMED: return "named";
    case HOW_USUAL: return "usual name";
    case HOW_MAPPED: return "--map";
    default: return "kept out of the query";
    }
}

static const char *field_name(int f) {
    switch (f) {
    case F_ID: return "id";
    case F_MGRS_TARGET: return "target.mgrs";
    case F_MGRS_LAUNCH: return "launch.mgrs";
    case F_PASS: return "-";
    default: return cav_qfield_name((cav_qfield)f);
    }
}

/* The field a --map target names: a query field, id, target.mgrs, launch.mgrs or -; -1. */
static int find_field(const char *s, size_t n) {
    int f = cav_qfield_find(s, n);
    if (f >= 0)
        return f;
    for (int k = F_ID; k < F_NFIELDS; k++) {
        const char *name = field_name(k);
        if (strlen(name) == n && strncmp(name, s, n) == 0)
            return k;
    }
    if (n == 4 && strncmp(s, "mgrs", 4) == 0)
        return F_MGRS_TARGET;
    return -1;
}

/* Lower-cases name into out with ' ', '-' and '.' as '_'; 0 when it does not fit. */
static int norm(const char *s, char *out, size_t size) {
    size_t n = strlen(s);
    if (n >= size)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        out[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c == ' ' || c == '-' || c == '.' ? '_' : c;
    }
    return 1;
}

static int usual_field(const char *name) {
    char n[64];
    if (!norm(name, n, sizeof n))
        return -1;
    for (size_t i = 0; i < sizeof usual / sizeof *usual; i++)
        for (int k = 0; usual[i].names[k]; k++)
            if (strcmp(n, usual[i].names[k]) == 0)
                return usual[i].field;
    return -1;
}

static char *dup_n(const char *s, size_t n) {
    char *d = cav__malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void line(cav_buf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(cav_buf *err, const char *fmt, ...) {
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    cav__buf_vprintf(err, fmt, ap);
    va_end(ap);
    cav__buf_putc(err, '\n');
}

/* A column name as shown in messages: cut at 60 bytes on a character boundary. */
static void shown(const char *s, char *out, size_t size) {
    size_t n = strlen(s), k = cav__utf8_cut(s, n, 60);
    snprintf(out, size, "%.*s%s", (int)k, s, k < n ? "..." : "");
}

/* ASCII case-insensitive comparison of n bytes. */
static int same_ci(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        x = (char)(x >= 'A' && x <= 'Z' ? x + 32 : x);
        y = (char)(y >= 'A' && y <= 'Z' ? y + 32 : y);
        if (x != y)
            return 0;
    }
    return 1;
}

static int find_col(const audit_plan *pl, const char *s, size_t n) {
    for (int i = 0; i < pl->ncols; i++)
        if (strlen(pl->cols[i].name) == n && memcmp(pl->cols[i].name, s, n) == 0)
            return i;
    for (int i = 0; i < pl->ncols; i++)
        if (strlen(pl->cols[i].name) == n && same_ci(pl->cols[i].name, s, n))
            return i;
    return -1;
}

/* Applies --map. Returns the number of problems. */
static int apply_map(audit_plan *pl, const char *map, int *given_by, cav_buf *err) {
    int bad = 0;
    const char *p = map;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        char item[160];
        snprintf(item, sizeof item, "%.*s", (int)cav__utf8_cut(p, n, 120), p);
        if (!eq || eq == p) {
            line(err, "--map '%s': expected COLUMN=FIELD", item);
            bad++;
        } else {
            size_t cn = (size_t)(eq - p), fn = n - cn - 1;
            int col = find_col(pl, p, cn);
            int f = find_field(eq + 1, fn);
            if (col < 0) {
                cav_buf near = {0};
                const char **names = cav__malloc((size_t)pl->ncols * sizeof *names);
                for (int i = 0; names && i < pl->ncols; i++)
                    names[i] = pl->cols[i].name;
                char want[128];
                snprintf(want, sizeof want, "%.*s", (int)cav__utf8_cut(p, cn, 100), p);
                int k = names ? cav_suggest(want, names, (size_t)pl->ncols, &near) : 0;
                line(err, "--map '%s': the header has no column '%s'%s%s%s", item, want,
                     k ? " (did you mean " : "", k ? near.data : "", k ? "?)" : "");
                cav__free(names);
                cav_buf_free(&near);
                bad++;
            }
            if (f < 0) {
                const char *names[F_NFIELDS];
                for (int k = 0; k < F_NFIELDS; k++)
                    names[k] = field_name(k);
                char want[128];
                snprintf(want, sizeof want, "%.*s", (int)cav__utf8_cut(eq + 1, fn, 100), eq + 1);
                cav_buf near = {0};
                int k = cav_suggest(want, names, F_NFIELDS, &near);
                line(err, "--map '%s': no query field '%s'%s%s%s", item, want,
                     k ? " (did you mean " : "", k ? near.data : "", k ? "?)" : "");
                cav_buf_free(&near);
                bad++;
            }
            if (col >= 0 && f >= 0) {
                if (pl->cols[col].how == HOW_MAPPED) {
                    line(err, "--map: column '%s' is mapped twice", pl->cols[col].name);
                    bad++;
                } else if (f != F_PASS && given_by[f] >= 0) {
                    line(err, "--map: columns '%s' and '%s' are both mapped to %s",
                         pl->cols[given_by[f]].name, pl->cols[col].name, field_name(f));
                    bad++;
                }
                pl->cols[col].how = HOW_MAPPED;
                pl->cols[col].field = f;
                if (f != F_PASS)
                    given_by[f] = col;
            }
        }
        p = end ? end + 1 : NULL;
    }
    return bad;
}

/* Binds the columns --map left by their names, then by usual names. Returns the problems. */
static int bind_names(audit_plan *pl, int *given_by, cav_buf *err) {
    int bad = 0;
    for (int pass = 0; pass < 2; pass++) {
        int first[F_NFIELDS];
        for (int f = 0; f < F_NFIELDS; f++)
            first[f] = -1;
        for (int i = 0; i < pl->ncols; i++) {
            audit_col *c = &pl->cols[i];
            if (c->how != HOW_NONE)
                continue;
            int f = pass == 0 ? cav_qfield_find(c->name, strlen(c->name)) : usual_field(c->name);
            if (pass == 0 && f < 0 && strcmp(c->name, "id") == 0)
                f = F_ID;
            if (pass == 0 && f < 0) {
                char n[64];
                if (norm(c->name, n, sizeof n) &&
                    (strcmp(n, "target_mgrs") == 0 || strcmp(n, "launch_mgrs") == 0))
                    f = n[0] == 't' ? F_MGRS_TARGET : F_MGRS_LAUNCH;
            }
            if (f < 0)
                continue;
            if (given_by[f] >= 0) {
                if (strcmp(pl->cols[given_by[f]].name, c->name) == 0)
                    continue; /* a duplicate name, reported as such */
                if (first[f] >= 0 && first[f] == given_by[f]) {
                    line(err,
                         "columns '%s' and '%s' both give %s: say which with --map COLUMN=%s "
                         "(and COLUMN=- for the other)",
                         pl->cols[given_by[f]].name, c->name, field_name(f), field_name(f));
                    bad++;
                }
                continue; /* a column of higher standing gives it: this one passes through */
            }
            c->field = f;
            c->how = pass == 0 ? HOW_NAMED : HOW_USUAL;
            given_by[f] = i;
            first[f] = i;
        }
    }
    return bad;
}

static int required_missing(audit_plan *pl, const int *given_by, cav_buf *err) {
    int bad = 0;
    for (int f = 0; f < CAV_Q_COUNT; f++) {
        if (!cav_qfield_required((cav_qfield)f) || given_by[f] >= 0)
            continue;
        if ((f == CAV_Q_TARGET_LAT || f == CAV_Q_TARGET_LON) && given_by[F_MGRS_TARGET] >= 0)
            continue;
        cav_buf b = {0};
        cav__buf_printf(&b, "no column gives %s, which is required (a column named %s",
                        field_name(f), field_name(f));
        for (size_t i = 0; i < sizeof usual / sizeof *usual; i++)
            if (usual[i].field == f)
                for (int k = 0; k < 4 && usual[i].names[k]; k++)
                    cav__buf_printf(&b, ", %s", usual[i].names[k]);
        cav__buf_printf(&b, ", or --map COLUMN=%s)", field_name(f));
        /* columns kept out of the query whose names are near */
        const char **names = cav__malloc((size_t)(pl->ncols + 1) * sizeof *names);
        size_t n = 0;
        for (int i = 0; names && i < pl->ncols; i++)
            if (pl->cols[i].how == HOW_NONE)
                names[n++] = pl->cols[i].name;
        cav_buf near = {0};
        const char *want =
            strchr(field_name(f), '.') ? strchr(field_name(f), '.') + 1 : field_name(f);
        if (n && cav_suggest(want, names, n, &near) > 0)
            cav__buf_printf(&b, "; did you mean column %s?", near.data);
        line(err, "%s", b.data ? b.data : "");
        cav_buf_free(&near);
        cav_buf_free(&b);
        cav__free(names);
        bad++;
    }
    if (given_by[F_MGRS_TARGET] >= 0 &&
        (given_by[CAV_Q_TARGET_LAT] >= 0 || given_by[CAV_Q_TARGET_LON] >= 0)) {
        line(err,
             "column '%s' (MGRS) and column '%s' both give the target's position: keep one "
             "with --map COLUMN=-",
             pl->cols[given_by[F_MGRS_TARGET]].name,
             pl->cols[given_by[given_by[CAV_Q_TARGET_LAT] >= 0 ? CAV_Q_TARGET_LAT
                                                               : CAV_Q_TARGET_LON]]
                 .name);
        bad++;
    }
    if (given_by[F_MGRS_LAUNCH] >= 0 &&
        (given_by[CAV_Q_LAUNCH_LAT] >= 0 || given_by[CAV_Q_LAUNCH_LON] >= 0)) {
        line(err,
             "column '%s' (MGRS) and the launch.lat/launch.lon columns both give the launch "
             "point: keep one with --map COLUMN=-",
             pl->cols[given_by[F_MGRS_LAUNCH]].name);
        bad++;
    }
    return bad;
}

/* Parses --columns (NULL: the default) into pl->items. */
static int parse_columns(audit_plan *pl, const char *columns, int csv_in, cav_buf *err) {
    const char *dflt = "input,decision,parties,rule,valid_from,valid_until,explanation,error";
    const char *p = columns ? columns : dflt;
    int cap = 16, bad = 0;
    pl->items = cav__malloc((size_t)cap * sizeof *pl->items);
    if (!pl->items)
        return -1;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        out_item it = {OUT_NKINDS, -1};
        for (int k = 0; k < OUT_NKINDS; k++)
            if (out_names[k][0] && strlen(out_names[k]) == n && strncmp(out_names[k], p, n) == 0)
                it.kind = (out_kind)k;
        if (it.kind == OUT_NKINDS && csv_in) {
            int col = find_col(pl, p, n);
            if (col >= 0)
                it = (out_item){OUT_INPUT_COL, col};
        }
        if (it.kind == OUT_NKINDS) {
            char want[128];
            snprintf(want, sizeof want, "%.*s", (int)cav__utf8_cut(p, n, 100), p);
            const char *names[OUT_NKINDS];
            size_t k = 0;
            for (int i = 0; i < OUT_NKINDS; i++)
                if (out_names[i][0])
                    names[k++] = out_names[i];
            cav_buf near = {0};
            int nn = cav_suggest(want, names, k, &near);
            line(err,
                 "--columns: no column '%s'%s%s%s (output columns: input, line, date, "
                 "decision, parties, rule, valid_from, valid_until, explanation, why, error%s)",
                 want, nn ? " (did you mean " : "", nn ? near.data : "", nn ? "?)" : "",
                 csv_in ? ", or an input column" : "");
            cav_buf_free(&near);
            bad++;
        } else {
            if (pl->nitems == cap) {
                cap *= 2;
                out_item *g = cav__realloc(pl->items, (size_t)cap * sizeof *g);
                if (!g)
                    return -1;
                pl->items = g;
            }
            pl->items[pl->nitems++] = it;
            if (it.kind >= OUT_DATE && it.kind <= OUT_WHY)
                pl->has_decision_items = 1;
            if (it.kind == OUT_VALID_FROM || it.kind == OUT_VALID_UNTIL)
                pl->has_validity_items = 1;
            if (it.kind == OUT_EXPLANATION)
                pl->has_explanation_item = 1;
        }
        p = end ? end + 1 : p + n;
    }
    if (!bad && pl->nitems == 0) {
        line(err, "--columns: no column given");
        bad++;
    }
    return bad;
}

/* Appends s[0, n) as one CSV field (delimiter ','), invalid UTF-8 replaced by U+FFFD. */
void cav__audit_csv_text(cav_buf *b, const char *s, size_t n);

/* Output names of the input columns, and the CSV header. */
static int output_names(audit_plan *pl) {
    for (int i = 0; i < pl->ncols; i++) {
        audit_col *c = &pl->cols[i];
        int clash = 0;
        for (int k = 0; k < pl->nitems; k++)
            if (pl->items[k].kind != OUT_INPUT_ALL && pl->items[k].kind != OUT_INPUT_COL &&
                strcmp(out_names[pl->items[k].kind], c->name) == 0)
                clash = 1;
        size_t n = strlen(c->name) + 8;
        c->out_name = cav__malloc(n);
        if (!c->out_name)
            return -1;
        snprintf(c->out_name, n, "%s%s", clash ? "input." : "", c->name);
    }
    cav_buf h = {0};
    int first = 1;
    for (int k = 0; k < pl->nitems; k++) {
        const out_item *it = &pl->items[k];
        if (it->kind == OUT_INPUT_ALL) {
            for (int i = 0; i < pl->ncols; i++) {
                if (!first)
                    cav__buf_putc(&h, ',');
                cav__audit_csv_text(&h, pl->cols[i].out_name, strlen(pl->cols[i].out_name));
                first = 0;
            }
            continue;
        }
        if (!first)
            cav__buf_putc(&h, ',');
        first = 0;
        if (it->kind == OUT_INPUT_COL)
            cav__audit_csv_text(&h, pl->cols[it->col].out_name, strlen(pl->cols[it->col].out_name));
        else
            cav__buf_puts(&h, out_names[it->kind]);
    }
    cav__buf_putc(&h, '\n');
    if (h.failed) {
        cav_buf_free(&h);
        return -1;
    }
    pl->header = h.data;
    pl->header_len = h.len;
    return 0;
}

static int save_map(audit_plan *pl, const char *map) {
    const char *p = map;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq) {
            char **f = cav__realloc(pl->map_from, (size_t)(pl->nmap + 1) * sizeof *f);
            if (!f)
                return -1;
            pl->map_from = f;
            char **t = cav__realloc(pl->map_to, (size_t)(pl->nmap + 1) * sizeof *t);
            if (!t)
                return -1;
            pl->map_to = t;
            pl->map_from[pl->nmap] = dup_n(p, (size_t)(eq - p));
            pl->map_to[pl->nmap] = dup_n(eq + 1, n - (size_t)(eq - p) - 1);
            pl->nmap++;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int set_formats(audit_plan *pl, const cav_audit_opts *o, cav_buf *err) {
    pl->out = o->output_format;
    if (pl->out != CAV_FMT_CSV && pl->out != CAV_FMT_NDJSON && pl->out != CAV_FMT_GEOJSON) {
        line(err, "the output format must be csv, ndjson or geojson");
        return -1;
    }
    return 0;
}

int cav__audit_plan_csv(audit_plan *pl, const cav_audit_opts *o, const char *s, size_t n,
                        cav_buf *err) {
    if (set_formats(pl, o, err) != 0)
        return CAV_EINVAL;
    pl->delim = o->delimiter ? o->delimiter : cav__csv_detect(s, n);
    pl->delim_detected = !o->delimiter;
    cav_csv_span *f = cav__malloc(AUDIT_MAX_COLS * sizeof *f);
    if (!f)
        return CAV_ENOMEM;
    cav_csv_row row;
    cav__csv_row(s, n, pl->delim, f, AUDIT_MAX_COLS, &row);
    int bad = 0;
    if (row.nfields > AUDIT_MAX_COLS) {
        line(err, "the header has %zu columns; at most %d are read", row.nfields, AUDIT_MAX_COLS);
        cav__free(f);
        return CAV_ELIMIT;
    }
    if (row.unterminated) {
        line(err, "the header has a quoted column name that is not closed");
        bad++;
    }
    pl->cols = cav__calloc(row.nfields ? row.nfields : 1, sizeof *pl->cols);
    if (!pl->cols) {
        cav__free(f);
        return CAV_ENOMEM;
    }
    pl->ncols = (int)row.nfields; /* only once the columns exist: the plan's free reads them */
    for (int i = 0; i < pl->ncols; i++) {
        char *name = cav__malloc(f[i].len + 1);
        if (!name) {
            cav__free(f);
            return CAV_ENOMEM;
        }
        size_t k = cav__csv_unquote(&f[i], name, f[i].len);
        /* names are trimmed: "date, weapon" is a common way to write a header */
        size_t a = 0;
        while (a < k && (name[a] == ' ' || name[a] == '\t'))
            a++;
        while (k > a && (name[k - 1] == ' ' || name[k - 1] == '\t'))
            k--;
        if (a) /* (memmove onto itself: valgrind takes the fortified call for an overlap) */
            memmove(name, name + a, k - a);
        name[k - a] = '\0';
        pl->cols[i] = (audit_col){name, NULL, COL_PASS, -1, HOW_NONE};
    }
    cav__free(f);
    for (int i = 0; i < pl->ncols; i++)
        for (int k = 0; k < i; k++)
            if (strcmp(pl->cols[i].name, pl->cols[k].name) == 0) {
                char nm[80];
                shown(pl->cols[i].name, nm, sizeof nm);
                line(err,
                     "the header names column '%s' twice (columns %d and %d): which one "
                     "is meant cannot be known",
                     nm, k + 1, i + 1);
                bad++;
                break;
            }
    int given_by[F_NFIELDS];
    for (int k = 0; k < F_NFIELDS; k++)
        given_by[k] = -1;
    bad += apply_map(pl, o->map, given_by, err);
    bad += bind_names(pl, given_by, err);
    bad += required_missing(pl, given_by, err);
    for (int k = 0; k < CAV_Q_COUNT; k++)
        pl->col_of[k] = given_by[k];
    pl->id_col = given_by[F_ID];
    pl->mgrs_target = given_by[F_MGRS_TARGET];
    pl->mgrs_launch = given_by[F_MGRS_LAUNCH];
    for (int i = 0; i < pl->ncols; i++) {
        audit_col *c = &pl->cols[i];
        if (c->field == F_PASS || c->field < 0) {
            c->kind = COL_PASS;
            c->field = -1;
            if (c->how == HOW_MAPPED)
                continue;
            c->how = HOW_NONE;
        } else if (c->field == F_ID) {
            c->kind = COL_ID;
            c->field = -1;
        } else if (c->field == F_MGRS_TARGET || c->field == F_MGRS_LAUNCH) {
            c->kind = c->field == F_MGRS_TARGET ? COL_MGRS_TARGET : COL_MGRS_LAUNCH;
            c->field = -1;
        } else if (given_by[c->field] != i) {
            c->kind = COL_PASS; /* another column gives this field */
            c->field = -1;
            c->how = HOW_NONE;
        } else {
            c->kind = COL_FIELD;
        }
    }
    int cb = parse_columns(pl, o->columns, 1, err);
    if (cb < 0)
        return CAV_ENOMEM;
    bad += cb;
    if (save_map(pl, o->map) != 0)
        return CAV_ENOMEM;
    if (bad)
        return CAV_EQUERY;
    return output_names(pl) == 0 ? 0 : CAV_ENOMEM;
}

int cav__audit_plan_ndjson(audit_plan *pl, const cav_audit_opts *o, cav_buf *err) {
    if (set_formats(pl, o, err) != 0)
        return CAV_EINVAL;
    pl->ndjson_in = 1;
    pl->delim = ',';
    pl->id_col = pl->mgrs_target = pl->mgrs_launch = -1;
    for (int k = 0; k < CAV_Q_COUNT; k++)
        pl->col_of[k] = -1;
    if (o->map && *o->map) {
        line(err, "--map applies to CSV columns; NDJSON input is read as `caveat check` reads "
                  "queries");
        return CAV_EINVAL;
    }
    int cb = parse_columns(pl, o->columns, 0, err);
    if (cb < 0)
        return CAV_ENOMEM;
    if (cb > 0)
        return CAV_EQUERY;
    return output_names(pl) == 0 ? 0 : CAV_ENOMEM;
}

void cav__audit_plan_free(audit_plan *pl) {
    for (int i = 0; i < pl->ncols; i++) {
        cav__free(pl->cols[i].name);
        cav__free(pl->cols[i].out_name);
    }
    cav__free(pl->cols);
    cav__free(pl->items);
    cav__free(pl->header);
    for (int i = 0; i < pl->nmap; i++) {
        cav__free(pl->map_from[i]);
        cav__free(pl->map_to[i]);
    }
    cav__free(pl->map_from);
    cav__free(pl->map_to);
    memset(pl, 0, sizeof *pl);
}
