/* module.c — caveat._caveat, the C half of the Python package `caveat` (python/caveat/): a thin
 * shell on the public API, like the CLI. The Python half (docs/python.md) turns frames into
 * columns and back; everything about queries and decisions happens here, in the library.
 *
 * What it offers the Python half:
 *  - Pack: a loaded pack (one reference, released with the object); its identity, catalogs and
 *    reports as JSON or text, exactly as the commands write them.
 *  - Pack.decide(fields): one query bound field by field (cav_query_set / _set_number, then
 *    cav_query_finish), evaluated into a Decided object that renders it (JSON, text,
 *    explanation, the audit's columns). Problems raise QueryError with every problem named.
 *  - Pack.bind_values(field, values, out): the values of one column bound through the setters one
 *    by one (a frame binds each distinct name or date once): ids, days or numbers into out.
 *  - Pack.decide_batch(columns, results, threads): cav_eval_batch over numpy columns, the GIL
 *    released; the pack is shared, never copied.
 *  - Pack.render(columns, rows, kinds, out_codes, flags, threads): the audit's text columns of
 *    every row (cav_decision_column), each column interned into distinct texts and a code per
 *    row, on several threads with the GIL released.
 *  - Pack.errors(n, rows, sources, codes): the error text of rows the batch refused, bound again
 *    through the setters from their own values, so a frame's error column says what
 *    `caveat audit` says of the same cells.
 *
 * Ownership: Python objects own their C resources (Pack its cav_pack reference, Decided a copy of
 * its query and decision and a reference on the pack object). Buffers handed in are only read or
 * written while the call holds them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "caveat.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static PyObject *policy_error, *query_error; /* set by _set_exceptions */

/* ---- the pack -------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD cav_pack *pack;
} PackObject;

static PyTypeObject PackType;

/* None, with its reference (Py_RETURN_NONE as a function, which static analysers can follow). */
static PyObject *none(void) {
    Py_INCREF(Py_None);
    return Py_None;
}

static PyObject *raise_code(int rc) {
    if (rc == CAV_ENOMEM)
        return PyErr_NoMemory();
    PyErr_SetString(rc == CAV_EINVAL ? PyExc_ValueError : PyExc_RuntimeError, cav_strerror(rc));
    return NULL;
}

static PyObject *str_of(const cav_buf *b) {
    return PyUnicode_DecodeUTF8(b->data ? b->data : "", (Py_ssize_t)b->len, "replace");
}

/* A buffer's text as a str, the buffer freed; NULL with an exception on rc != 0. */
static PyObject *take_text(int rc, cav_buf *b) {
    PyObject *r = rc ? raise_code(rc) : str_of(b);
    cav_buf_free(b);
    return r;
}

/* Raises PolicyError(message, diagnostics) for a pack that did not load. */
static PyObject *raise_policy(int rc, cav_diags *d) {
    if (rc != CAV_EPOLICY && rc != CAV_EIO) {
        cav_diags_free(d);
        return raise_code(rc);
    }
    cav_buf text = {0};
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && i < cav_diags_count(d); i++) {
        const cav_diag *g = cav_diags_get(d, i);
        cav_diag_format(d, i, &text);
        PyObject *item = Py_BuildValue("{s:s,s:s,s:i,s:i,s:s,s:z,s:z}", "severity",
                                       g->severity == CAV_SEV_ERROR ? "error" : "warning", "file",
                                       g->file ? g->file : "", "line", g->line, "col", g->col,
                                       "message", g->message, "hint", g->hint, "code", g->code);
        if (!item || PyList_Append(list, item) != 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    if (list) {
        /* the text without its last newline */
        size_t n = text.len;
        while (n && text.data[n - 1] == '\n')
            n--;
        PyObject *msg = n ? PyUnicode_DecodeUTF8(text.data, (Py_ssize_t)n, "replace")
                          : PyUnicode_FromString(cav_strerror(rc));
        if (msg) {
            PyObject *args = Py_BuildValue("(OO)", msg, list);
            if (args) {
                PyErr_SetObject(policy_error ? policy_error : PyExc_ValueError, args);
                Py_DECREF(args);
            }
            Py_DECREF(msg);
        }
        Py_DECREF(list);
    }
    cav_buf_free(&text);
    cav_diags_free(d);
    return NULL;
}

static PyObject *wrap_pack(cav_pack *p) {
    PackObject *o = PyObject_New(PackObject, &PackType);
    if (!o) {
        cav_pack_release(p);
        return NULL;
    }
    o->pack = p;
    return (PyObject *)o;
}

static PyObject *mod_load_default(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS;
    rc = cav_pack_load_default(d, &p);
    Py_END_ALLOW_THREADS;
    if (rc)
        return raise_policy(rc, d);
    cav_diags_free(d);
    return wrap_pack(p);
}

/* A list of str as a C array of UTF-8 pointers owned by the list. */
static const char **utf8_list(PyObject *list, Py_ssize_t *n) {
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "a list of str is needed");
        return NULL;
    }
    *n = PyList_GET_SIZE(list);
    const char **v = calloc((size_t)*n + 1, sizeof *v);
    if (!v)
        return (const char **)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < *n; i++) {
        v[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(list, i));
        if (!v[i]) {
            free(v);
            return NULL;
        }
    }
    return v;
}

static PyObject *mod_load(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *paths;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &paths))
        return NULL;
    Py_ssize_t n;
    const char **v = utf8_list(paths, &n);
    if (!v)
        return NULL;
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS;
    rc = cav_pack_load(v, (size_t)n, d, &p);
    Py_END_ALLOW_THREADS;
    free(v);
    if (rc)
        return raise_policy(rc, d);
    cav_diags_free(d);
    return wrap_pack(p);
}

static PyObject *mod_default_files(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    PyObject *list = PyList_New(0);
    const char *path, *text;
    size_t len;
    for (size_t i = 0; list && cav_default_file(i, &path, &text, &len) == 0; i++) {
        PyObject *t = Py_BuildValue("(sy#)", path, text, (Py_ssize_t)len);
        if (!t || PyList_Append(list, t) != 0)
            Py_CLEAR(list);
        Py_XDECREF(t);
    }
    return list;
}

static void pack_dealloc(PackObject *o) {
    if (o->pack)
        cav_pack_release(o->pack);
    PyObject_Free(o);
}

static PyObject *pack_get_id(PackObject *o, void *c) {
    (void)c;
    return PyUnicode_FromString(cav_pack_id(o->pack));
}
static PyObject *pack_get_hash(PackObject *o, void *c) {
    (void)c;
    return PyUnicode_FromString(cav_pack_hash(o->pack));
}
static PyObject *pack_get_name(PackObject *o, void *c) {
    (void)c;
    return PyUnicode_FromString(cav_pack_name(o->pack));
}
static PyObject *pack_get_timezone(PackObject *o, void *c) {
    (void)c;
    return PyUnicode_FromString(cav_pack_timezone(o->pack));
}

/* names(catalog) -> list of the catalog's identifiers, in id order. */
static PyObject *pack_names(PackObject *o, PyObject *args) {
    int c;
    if (!PyArg_ParseTuple(args, "i", &c))
        return NULL;
    if (c < 0 || c >= CAV_CAT_COUNT)
        return raise_code(CAV_EINVAL);
    int n = cav_catalog_count(o->pack, (cav_catalog)c);
    PyObject *list = PyList_New(n);
    for (int i = 0; list && i < n; i++) {
        PyObject *s = PyUnicode_FromString(cav_catalog_name(o->pack, (cav_catalog)c, i));
        if (!s) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, s);
    }
    return list;
}

static PyObject *pack_catalog_json(PackObject *o, PyObject *args) {
    (void)args;
    cav_buf b = {0};
    return take_text(cav_catalog_write(o->pack, -1, CAV_FMT_JSON, &b), &b);
}

static PyObject *pack_sources_json(PackObject *o, PyObject *args) {
    (void)args;
    cav_buf b = {0};
    return take_text(cav_sources(o->pack, CAV_FMT_JSON, &b), &b);
}

/* A date argument: None (not given) or "YYYY-MM-DD". */
static int date_arg(PyObject *v, int32_t *days) {
    if (v == Py_None) {
        *days = CAV_NO_DATE;
        return 0;
    }
    const char *s = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
    if (!s || cav_date_parse(s, days) != 0) {
        PyErr_Format(PyExc_ValueError, "%R is no date (YYYY-MM-DD)", v);
        return -1;
    }
    return 0;
}

/* A filter from catalog names (None for all). */
static int filter_arg(const cav_pack *p, const char *party, const char *weapon, cav_filter *f) {
    f->party = f->weapon = -1;
    if (party && (f->party = cav_catalog_find(p, CAV_CAT_PARTY, party, strlen(party))) < 0) {
        PyErr_Format(PyExc_ValueError, "unknown party '%s'", party);
        return -1;
    }
    if (weapon && (f->weapon = cav_catalog_find(p, CAV_CAT_WEAPON, weapon, strlen(weapon))) < 0) {
        PyErr_Format(PyExc_ValueError, "unknown weapon '%s'", weapon);
        return -1;
    }
    return 0;
}

/* timeline(party, weapon, format) -> str */
static PyObject *pack_timeline(PackObject *o, PyObject *args) {
    const char *party, *weapon, *fmt;
    if (!PyArg_ParseTuple(args, "zzs", &party, &weapon, &fmt))
        return NULL;
    cav_filter f;
    int format = cav_format_find(fmt);
    if (filter_arg(o->pack, party, weapon, &f) != 0)
        return NULL;
    cav_buf b = {0};
    return take_text(cav_timeline(o->pack, &f, (cav_format)format, &b), &b);
}

/* diff(from, to, party, weapon, format) -> str */
static PyObject *pack_diff(PackObject *o, PyObject *args) {
    PyObject *d1, *d2;
    const char *party, *weapon, *fmt;
    if (!PyArg_ParseTuple(args, "OOzzs", &d1, &d2, &party, &weapon, &fmt))
        return NULL;
    int32_t from, to;
    cav_filter f;
    if (date_arg(d1, &from) || date_arg(d2, &to) || filter_arg(o->pack, party, weapon, &f))
        return NULL;
    cav_buf b = {0};
    return take_text(cav_diff(o->pack, from, to, &f, (cav_format)cav_format_find(fmt), &b), &b);
}

/* where(lat, lon, uncertainty_m) -> JSON text */
static PyObject *pack_where(PackObject *o, PyObject *args) {
    double lat, lon, unc;
    if (!PyArg_ParseTuple(args, "ddd", &lat, &lon, &unc))
        return NULL;
    cav_buf b = {0};
    return take_text(cav_where(o->pack, lat, lon, unc, CAV_FMT_JSON, &b), &b);
}

/* sample(rows, seed, bad_rate, fd): cav_sample's synthetic CSV log written to fd. */
static PyObject *pack_sample(PackObject *o, PyObject *args) {
    unsigned long long rows, seed;
    double bad_rate;
    int fd;
    if (!PyArg_ParseTuple(args, "KKdi", &rows, &seed, &bad_rate, &fd))
        return NULL;
    cav_sample_opts opts = {rows, seed, bad_rate, CAV_COORDS_DECIMAL};
    int rc, err;
    Py_BEGIN_ALLOW_THREADS;
    rc = cav_sample(o->pack, &opts, fd);
    err = errno;
    Py_END_ALLOW_THREADS;
    if (rc == CAV_EIO) { /* the write's own error, as OSError does for a file's */
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    if (rc)
        return raise_code(rc);
    return none();
}

/* ---- binding one query ----------------------------------------------------------------------- */

/* Raises QueryError(message, problems, more) for the problems in e. */
static PyObject *raise_query(const cav_qerrors *e) {
    cav_buf b = {0};
    cav_qerrors_text(e, 0, &b);
    const char *msg = b.data ? b.data : "error: the query is malformed";
    if (strncmp(msg, "error: ", 7) == 0)
        msg += 7;
    PyObject *problems = PyList_New(0);
    for (int i = 0; problems && i < e->n; i++) {
        PyObject *t = Py_BuildValue("(ss)", e->v[i].name, e->v[i].message);
        if (!t || PyList_Append(problems, t) != 0)
            Py_CLEAR(problems);
        Py_XDECREF(t);
    }
    if (problems) {
        PyObject *args = Py_BuildValue("(sOi)", msg, problems, e->more);
        if (args) {
            PyErr_SetObject(query_error ? query_error : PyExc_ValueError, args);
            Py_DECREF(args);
        }
        Py_DECREF(problems);
    }
    cav_buf_free(&b);
    return NULL;
}

/* Sets field f of q from one Python value: str through cav_query_set, a number through
 * cav_query_set_number; None and NaN are not given. -1 with an exception for another type. */
static int set_value(const cav_pack *p, cav_query *q, int f, PyObject *v, cav_qerrors *e) {
    if (v == Py_None)
        return 0;
    if (PyUnicode_Check(v)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(v, &n);
        if (!s)
            return -1;
        cav_query_set(q, p, (cav_qfield)f, s, (size_t)n, e);
        return 0;
    }
    if (PyFloat_Check(v) || PyLong_Check(v)) {
        double x = PyFloat_AsDouble(v);
        if (x == -1.0 && PyErr_Occurred())
            return -1;
        if (!isnan(x))
            cav_query_set_number(q, p, (cav_qfield)f, x, e);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s: a str or a number is needed, not %s",
                 cav_qfield_name((cav_qfield)f), Py_TYPE(v)->tp_name);
    return -1;
}

/* Binds fields (a dict: cav_qfield -> str, float or None) into q through the setters and
 * finishes it. Returns 0, 1 with the problems in e, or -1 with a Python exception. */
static int bind_fields(const cav_pack *p, PyObject *fields, cav_query *q, cav_qerrors *e,
                       int finish) {
    cav_query_init(q, e);
    if (!PyDict_Check(fields)) {
        PyErr_SetString(PyExc_TypeError, "fields must be a dict");
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(fields, &pos, &key, &value)) {
        long f = PyLong_AsLong(key);
        if (f < 0 || f >= CAV_Q_COUNT) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "no such query field");
            return -1;
        }
        if (set_value(p, q, (int)f, value, e) != 0)
            return -1;
    }
    if (finish)
        cav_query_finish(q, p, e);
    return e->n || e->more ? 1 : 0;
}

/* ---- one decision ---------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD PackObject *pack;
    cav_query q;
    cav_decision d;
} DecidedObject;

static PyTypeObject DecidedType;

static PyObject *pack_decide(PackObject *o, PyObject *args) {
    PyObject *fields;
    if (!PyArg_ParseTuple(args, "O", &fields))
        return NULL;
    cav_qerrors e;
    cav_query q;
    int rc = bind_fields(o->pack, fields, &q, &e, 1);
    if (rc < 0)
        return NULL;
    if (rc > 0)
        return raise_query(&e);
    DecidedObject *d = PyObject_New(DecidedObject, &DecidedType);
    if (!d)
        return NULL;
    d->q = q;
    if ((rc = cav_eval(o->pack, &q, &d->d)) == 0)
        rc = cav_decision_validity(o->pack, &q, &d->d);
    if (rc) {
        d->pack = NULL;
        Py_DECREF(d);
        return raise_code(rc);
    }
    Py_INCREF(o);
    d->pack = o;
    return (PyObject *)d;
}

static void decided_dealloc(DecidedObject *d) {
    Py_XDECREF(d->pack);
    PyObject_Free(d);
}

/* json(id_json, flags) -> str */
static PyObject *decided_json(DecidedObject *d, PyObject *args) {
    const char *id;
    unsigned flags;
    if (!PyArg_ParseTuple(args, "zI", &id, &flags))
        return NULL;
    cav_buf b = {0};
    return take_text(cav_decision_json(d->pack->pack, &d->q, &d->d, id, flags, &b), &b);
}

static PyObject *decided_text(DecidedObject *d, PyObject *args) {
    unsigned flags;
    if (!PyArg_ParseTuple(args, "I", &flags))
        return NULL;
    cav_buf b = {0};
    return take_text(cav_decision_text(d->pack->pack, &d->q, &d->d, flags, &b), &b);
}

static PyObject *decided_column(DecidedObject *d, PyObject *args) {
    int c;
    unsigned flags;
    if (!PyArg_ParseTuple(args, "iI", &c, &flags))
        return NULL;
    cav_buf b = {0};
    return take_text(cav_decision_column(d->pack->pack, &d->q, &d->d, (cav_column)c, flags, &b),
                     &b);
}

/* rules() -> list of the use's deciding rules by name (cav_decision_rules) */
static PyObject *decided_rules(DecidedObject *d, PyObject *args) {
    (void)args;
    int rules[256];
    int n = cav_decision_rules(d->pack->pack, &d->q, &d->d, rules, 256);
    n = n < 256 ? n : 256;
    PyObject *list = PyList_New(n);
    for (int i = 0; list && i < n; i++) {
        const char *s = rules[i] == CAV_RULE_DEFAULT_DENY ? "default-deny"
                        : rules[i] == CAV_RULE_SILENT
                            ? "silent"
                            : cav_catalog_name(d->pack->pack, CAV_CAT_RULE, rules[i]);
        PyList_SET_ITEM(list, i, PyUnicode_FromString(s));
    }
    return list;
}

/* ---- maps ------------------------------------------------------------------------------------ */

/* map(fields or None, format) -> str: the pack's zones, or where the use is permitted. */
static PyObject *pack_map(PackObject *o, PyObject *args) {
    PyObject *fields;
    const char *fmt;
    if (!PyArg_ParseTuple(args, "Os", &fields, &fmt))
        return NULL;
    cav_query q, *use = NULL;
    if (fields != Py_None) {
        cav_qerrors e;
        int rc = bind_fields(o->pack, fields, &q, &e, 0);
        if (rc < 0)
            return NULL;
        /* the use's target point is not part of it: any point will do */
        if (rc == 0)
            cav_query_set_target(&q, o->pack, 0, 0, &e);
        if (rc > 0 || cav_query_finish(&q, o->pack, &e) != 0)
            return raise_query(&e);
        use = &q;
    }
    cav_map_opts opts = {.zoom_zone = -1};
    cav_buf b = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS;
    rc = cav_map(o->pack, use, &opts, (cav_format)cav_format_find(fmt), &b);
    Py_END_ALLOW_THREADS;
    return take_text(rc, &b);
}

/* ---- columns of values ----------------------------------------------------------------------- */

/* A contiguous buffer of n items of itemsize bytes (writable when asked); -1 with an exception. */
static int get_buffer(PyObject *o, Py_buffer *v, Py_ssize_t itemsize, Py_ssize_t n, int writable,
                      const char *what) {
    if (PyObject_GetBuffer(
            o, v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) != 0)
        return -1;
    if (v->itemsize != itemsize || (n >= 0 && v->len != n * itemsize)) {
        PyErr_Format(PyExc_ValueError, "%s: %zd items of %zd bytes needed", what, n, itemsize);
        PyBuffer_Release(v);
        return -1;
    }
    return 0;
}

/* bind_values(field, values, out) -> list of the indices of values the setter refused.
 * values: a sequence of str or None; out: int32 ids or days (CAV_MISSING / CAV_NO_DATE for None),
 * or float64 numbers (NaN for None). A value the setter refuses leaves an id of -2, or NaN. */
static PyObject *pack_bind_values(PackObject *o, PyObject *args) {
    int f;
    PyObject *values, *out;
    if (!PyArg_ParseTuple(args, "iOO", &f, &values, &out))
        return NULL;
    if (f < 0 || f >= CAV_Q_COUNT)
        return raise_code(CAV_EINVAL);
    int numeric = f == CAV_Q_TARGET_LAT || f == CAV_Q_TARGET_LON || f == CAV_Q_TARGET_UNCERTAINTY ||
                  f == CAV_Q_LAUNCH_LAT || f == CAV_Q_LAUNCH_LON || f == CAV_Q_LAUNCH_UNCERTAINTY;
    PyObject *seq = PySequence_Fast(values, "values must be a sequence");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    Py_buffer buf;
    if (get_buffer(out, &buf, numeric ? 8 : 4, n, 1, "out") != 0) {
        Py_DECREF(seq);
        return NULL;
    }
    PyObject *bad = PyList_New(0);
    for (Py_ssize_t i = 0; bad && i < n; i++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, i);
        cav_query q;
        cav_query_init(&q, NULL);
        int rc = 0, given = v != Py_None;
        if (given) {
            Py_ssize_t len;
            const char *s = PyUnicode_Check(v) ? PyUnicode_AsUTF8AndSize(v, &len) : NULL;
            if (!s) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError, "%s: a str is needed, not %s",
                             cav_qfield_name((cav_qfield)f), Py_TYPE(v)->tp_name);
                Py_CLEAR(bad);
                break;
            }
            rc = cav_query_set(&q, o->pack, (cav_qfield)f, s, (size_t)len, NULL);
        }
        if (rc) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index || PyList_Append(bad, index) != 0)
                Py_CLEAR(bad);
            Py_XDECREF(index);
        }
        if (numeric) {
            double x = NAN;
            if (given && !rc)
                x = f == CAV_Q_TARGET_LAT           ? q.target_lat
                    : f == CAV_Q_TARGET_LON         ? q.target_lon
                    : f == CAV_Q_TARGET_UNCERTAINTY ? q.target_uncertainty_m
                    : f == CAV_Q_LAUNCH_LAT         ? q.launch_lat
                    : f == CAV_Q_LAUNCH_LON         ? q.launch_lon
                                                    : q.launch_uncertainty_m;
            ((double *)buf.buf)[i] = x;
        } else {
            int32_t x;
            if (f == CAV_Q_DATE)
                x = given && !rc ? q.date : CAV_NO_DATE;
            else if (!given)
                x = CAV_MISSING;
            else if (rc)
                x = -2;
            else
                x = f == CAV_Q_WEAPON         ? q.weapon
                    : f == CAV_Q_SUPPLIER     ? q.supplier
                    : f == CAV_Q_TARGET_KIND  ? q.kind
                    : f == CAV_Q_TARGET_STATE ? q.state
                    : f == CAV_Q_TARGET_ROLE  ? q.role
                                              : q.purpose;
            ((int32_t *)buf.buf)[i] = x;
        }
    }
    PyBuffer_Release(&buf);
    Py_DECREF(seq);
    return bad;
}

/* days_of(ns, out) -> number of dates out of the library's years: datetime64[ns] values (int64,
 * NaT as INT64_MIN) into days since 1970-01-01 (int32; NaT: CAV_NO_DATE), the calendar date a
 * timestamp falls on. A date outside 1900 to 2100 is written as it is (the batch does not check
 * years; the caller marks those rows). */
static PyObject *mod_days_of(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *in_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OO", &in_obj, &out_obj))
        return NULL;
    Py_buffer in, out;
    if (get_buffer(in_obj, &in, 8, -1, 0, "ns") != 0)
        return NULL;
    Py_ssize_t n = in.len / 8;
    if (get_buffer(out_obj, &out, 4, n, 1, "out") != 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    const int64_t per_day = 86400LL * 1000000000LL;
    const int64_t lo = -25567, hi = 47846; /* 1900-01-01, 2100-12-31 */
    Py_ssize_t outside = 0;
    const int64_t *ns = in.buf;
    int32_t *days = out.buf;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (ns[i] == INT64_MIN) {
            days[i] = CAV_NO_DATE;
            continue;
        }
        int64_t d = ns[i] / per_day - (ns[i] % per_day < 0); /* floor */
        outside += d < lo || d > hi;
        days[i] = (int32_t)d;
    }
    Py_END_ALLOW_THREADS;
    PyBuffer_Release(&in);
    PyBuffer_Release(&out);
    return PyLong_FromSsize_t(outside);
}

/* ns_of(days, open, verdict, out): days (int32) into datetime64[ns] values (int64), NaT where a
 * day equals `open` (an open end of a validity) or the row's verdict is CAV_BATCH_ERROR. */
static PyObject *mod_ns_of(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *in_obj, *verdict_obj, *out_obj;
    long long open;
    if (!PyArg_ParseTuple(args, "OLOO", &in_obj, &open, &verdict_obj, &out_obj))
        return NULL;
    Py_buffer in, verdict, out;
    if (get_buffer(in_obj, &in, 4, -1, 0, "days") != 0)
        return NULL;
    Py_ssize_t n = in.len / 4;
    if (get_buffer(verdict_obj, &verdict, 1, n, 0, "verdict") != 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    if (get_buffer(out_obj, &out, 8, n, 1, "out") != 0) {
        PyBuffer_Release(&in);
        PyBuffer_Release(&verdict);
        return NULL;
    }
    const int32_t *days = in.buf;
    const uint8_t *v = verdict.buf;
    int64_t *ns = out.buf;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t i = 0; i < n; i++)
        ns[i] = days[i] == open || v[i] == CAV_BATCH_ERROR
                    ? INT64_MIN
                    : (int64_t)days[i] * 86400LL * 1000000000LL;
    Py_END_ALLOW_THREADS;
    PyBuffer_Release(&in);
    PyBuffer_Release(&verdict);
    PyBuffer_Release(&out);
    return none();
}

/* The columns of a batch: a dict cav_qfield -> buffer of n int32 (ids, days) or float64. */
typedef struct {
    cav_columns c;
    Py_buffer bufs[CAV_Q_COUNT];
    int held[CAV_Q_COUNT];
} columns_in;

static void columns_release(columns_in *in) {
    for (int f = 0; f < CAV_Q_COUNT; f++)
        if (in->held[f])
            PyBuffer_Release(&in->bufs[f]);
}

static int columns_get(PyObject *dict, Py_ssize_t n, columns_in *in) {
    memset(in, 0, sizeof *in);
    in->c.n = (size_t)n;
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "columns must be a dict");
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        long f = PyLong_AsLong(key);
        if (f < 0 || f >= CAV_Q_COUNT || in->held[f]) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "no such query field, or given twice");
            columns_release(in);
            return -1;
        }
        int numeric = f == CAV_Q_TARGET_LAT || f == CAV_Q_TARGET_LON ||
                      f == CAV_Q_TARGET_UNCERTAINTY || f == CAV_Q_LAUNCH_LAT ||
                      f == CAV_Q_LAUNCH_LON || f == CAV_Q_LAUNCH_UNCERTAINTY;
        if (get_buffer(value, &in->bufs[f], numeric ? 8 : 4, n, 0,
                       cav_qfield_name((cav_qfield)f)) != 0) {
            columns_release(in);
            return -1;
        }
        in->held[f] = 1;
        void *b = in->bufs[f].buf;
        switch (f) {
        case CAV_Q_DATE: in->c.date = b; break;
        case CAV_Q_WEAPON: in->c.weapon = b; break;
        case CAV_Q_SUPPLIER: in->c.supplier = b; break;
        case CAV_Q_TARGET_KIND: in->c.kind = b; break;
        case CAV_Q_TARGET_STATE: in->c.state = b; break;
        case CAV_Q_TARGET_ROLE: in->c.role = b; break;
        case CAV_Q_PURPOSE: in->c.purpose = b; break;
        case CAV_Q_TARGET_LAT: in->c.target_lat = b; break;
        case CAV_Q_TARGET_LON: in->c.target_lon = b; break;
        case CAV_Q_TARGET_UNCERTAINTY: in->c.target_uncertainty_m = b; break;
        case CAV_Q_LAUNCH_LAT: in->c.launch_lat = b; break;
        case CAV_Q_LAUNCH_LON: in->c.launch_lon = b; break;
        default: in->c.launch_uncertainty_m = b; break;
        }
    }
    return 0;
}

/* decide_batch(columns, n, results, threads): results is a dict with any of "verdict" (uint8),
 * "error", "rule", "valid_from", "valid_until" (int32), "nrules" (uint8). */
static PyObject *pack_decide_batch(PackObject *o, PyObject *args) {
    PyObject *cols, *res;
    Py_ssize_t n;
    int threads;
    if (!PyArg_ParseTuple(args, "OnO!i", &cols, &n, &PyDict_Type, &res, &threads))
        return NULL;
    columns_in in;
    if (columns_get(cols, n, &in) != 0)
        return NULL;
    static const char *const names[] = {"verdict",    "error",       "rule",
                                        "valid_from", "valid_until", "nrules"};
    static const Py_ssize_t sizes[] = {1, 4, 4, 4, 4, 1};
    Py_buffer bufs[6];
    int held[6] = {0};
    void *ptr[6] = {NULL};
    int ok = 1;
    for (int k = 0; k < 6 && ok; k++) {
        PyObject *v = PyDict_GetItemString(res, names[k]);
        if (!v)
            continue;
        ok = get_buffer(v, &bufs[k], sizes[k], n, 1, names[k]) == 0;
        held[k] = ok;
        ptr[k] = ok ? bufs[k].buf : NULL;
    }
    int rc = 0;
    if (ok) {
        cav_results r = {ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], NULL, ptr[5]};
        Py_BEGIN_ALLOW_THREADS;
        rc = cav_eval_batch(o->pack, &in.c, &r, threads);
        Py_END_ALLOW_THREADS;
    }
    for (int k = 0; k < 6; k++)
        if (held[k])
            PyBuffer_Release(&bufs[k]);
    columns_release(&in);
    if (!ok)
        return NULL;
    if (rc)
        return raise_code(rc);
    return none();
}

/* ---- rendering columns of text, interned ------------------------------------------------------
 */

/* Distinct texts, each with a code in order of first sight (open addressing on FNV-1a). */
typedef struct {
    char *bytes;
    size_t len, cap;
    size_t *off; /* text i is bytes[off[i], off[i + 1]) */
    size_t n, ncap;
    int32_t *slots; /* code + 1, 0 empty */
    size_t nslots;
    int failed;
} interner;

static uint64_t fnv(const char *s, size_t n) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static void interner_free(interner *t) {
    free(t->bytes);
    free(t->off);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static int32_t interner_add(interner *t, const char *s, size_t n);

static int interner_grow(interner *t) {
    size_t ns = t->nslots ? t->nslots * 2 : 1024;
    int32_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        const char *s = t->bytes + t->off[i];
        uint64_t h = fnv(s, t->off[i + 1] - t->off[i]);
        size_t k = (size_t)h & (ns - 1);
        while (slots[k])
            k = (k + 1) & (ns - 1);
        slots[k] = (int32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

static int32_t interner_add(interner *t, const char *s, size_t n) {
    if (t->failed)
        return -1;
    if (((t->n + 1) * 2 > t->nslots && interner_grow(t) != 0) || !t->slots) {
        t->failed = 1;
        return -1;
    }
    uint64_t h = fnv(s, n);
    size_t k = (size_t)h & (t->nslots - 1);
    for (; t->slots[k]; k = (k + 1) & (t->nslots - 1)) {
        size_t i = (size_t)t->slots[k] - 1;
        if (t->off && t->off[i + 1] - t->off[i] == n && memcmp(t->bytes + t->off[i], s, n) == 0)
            return (int32_t)i;
    }
    if (t->n + 2 > t->ncap) {
        size_t nc = t->ncap ? t->ncap * 2 : 256;
        size_t *off = realloc(t->off, nc * sizeof *off);
        if (!off) {
            t->failed = 1;
            return -1;
        }
        t->off = off;
        t->ncap = nc;
        if (t->n == 0)
            t->off[0] = 0;
    }
    if (t->len + n > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4096;
        while (nc < t->len + n)
            nc *= 2;
        char *b = realloc(t->bytes, nc);
        if (!b) {
            t->failed = 1;
            return -1;
        }
        t->bytes = b;
        t->cap = nc;
    }
    if (n)
        memcpy(t->bytes + t->len, s, n);
    t->len += n;
    t->off[t->n + 1] = t->len;
    t->slots[k] = (int32_t)t->n + 1;
    return (int32_t)t->n++;
}

enum { RENDER_CHUNK = 256, RENDER_MAX_KINDS = CAV_COL_COUNT, RENDER_MAX_RULES = 4096 };

typedef struct {
    const cav_pack *p;
    const cav_columns *in;
    const int64_t *rows; /* the rows to render, or NULL for all */
    size_t from, to;     /* a range of rows[] (or of the columns) */
    int nkinds;
    const int *kinds;
    int32_t **codes; /* per kind, one code per rendered row, -1 for an error row */
    unsigned flags;
    interner tables[RENDER_MAX_KINDS];
    int failed;
} render_job;

typedef struct {
    int32_t date[RENDER_CHUNK], weapon[RENDER_CHUNK], supplier[RENDER_CHUNK], kind[RENDER_CHUNK],
        state[RENDER_CHUNK], role[RENDER_CHUNK], purpose[RENDER_CHUNK];
    double target_lat[RENDER_CHUNK], target_lon[RENDER_CHUNK], target_uncertainty_m[RENDER_CHUNK],
        launch_lat[RENDER_CHUNK], launch_lon[RENDER_CHUNK], launch_uncertainty_m[RENDER_CHUNK];
} chunk_cols;

/* The columns of rows[from, from + n) gathered into c (or the range itself when rows is NULL). */
static void chunk_of(const cav_columns *src, const int64_t *rows, size_t from, size_t n,
                     chunk_cols *c, cav_columns *out) {
    memset(out, 0, sizeof *out);
    out->n = n;
    if (!rows) {
#define SLICE(field) out->field = src->field ? src->field + from : NULL // NOLINT
        SLICE(date);
        SLICE(weapon);
        SLICE(supplier);
        SLICE(kind);
        SLICE(state);
        SLICE(role);
        SLICE(purpose);
        SLICE(target_lat);
        SLICE(target_lon);
        SLICE(target_uncertainty_m);
        SLICE(launch_lat);
        SLICE(launch_lon);
        SLICE(launch_uncertainty_m);
#undef SLICE
        return;
    }
#define GATHER_COL(field) /* NOLINT(bugprone-macro-parentheses): field is a member name */         \
    if (src->field) {                                                                              \
        for (size_t k = 0; k < n; k++)                                                             \
            c->field[k] = src->field[rows[from + k]];                                              \
        out->field = c->field;                                                                     \
    }
    GATHER_COL(date);
    GATHER_COL(weapon);
    GATHER_COL(supplier);
    GATHER_COL(kind);
    GATHER_COL(state);
    GATHER_COL(role);
    GATHER_COL(purpose);
    GATHER_COL(target_lat);
    GATHER_COL(target_lon);
    GATHER_COL(target_uncertainty_m);
    GATHER_COL(launch_lat);
    GATHER_COL(launch_lon);
    GATHER_COL(launch_uncertainty_m);
#undef GATHER_COL
}

static void *render_run(void *arg) {
    render_job *j = arg;
    chunk_cols *c = malloc(sizeof *c);
    cav_decision *d = malloc(RENDER_CHUNK * sizeof *d);
    int32_t *err = malloc(RENDER_CHUNK * sizeof *err);
    cav_buf text = {0};
    if (!c || !d || !err) {
        j->failed = 1;
        goto done;
    }
    for (size_t at = j->from; at < j->to && !j->failed; at += RENDER_CHUNK) {
        size_t n = j->to - at < RENDER_CHUNK ? j->to - at : RENDER_CHUNK;
        cav_columns cols;
        chunk_of(j->in, j->rows, at, n, c, &cols);
        cav_results r = {NULL, err, NULL, NULL, NULL, d, NULL};
        if (cav_eval_batch(j->p, &cols, &r, 1) != 0) {
            j->failed = 1;
            break;
        }
        for (size_t k = 0; k < n; k++) {
            cav_query q;
            if (!err[k])
                cav_columns_query(&cols, k, &q); /* the query d[k] was made for */
            for (int i = 0; i < j->nkinds; i++) {
                int32_t code = -1;
                if (!err[k] && j->kinds[i] == CAV_COL_RULE) {
                    /* the rule column by its rule ids: written out once per distinct list */
                    int rules[RENDER_MAX_RULES];
                    int nr = cav_decision_rules(j->p, &q, &d[k], rules, RENDER_MAX_RULES);
                    if (nr > RENDER_MAX_RULES)
                        nr = RENDER_MAX_RULES;
                    code = interner_add(&j->tables[i], (const char *)rules,
                                        (size_t)nr * sizeof *rules);
                    if (code < 0)
                        j->failed = 1;
                } else if (!err[k]) {
                    cav_buf_clear(&text);
                    if (cav_decision_column(j->p, &q, &d[k], (cav_column)j->kinds[i], j->flags,
                                            &text) != 0) {
                        j->failed = 1;
                        break;
                    }
                    code = interner_add(&j->tables[i], text.data ? text.data : "", text.len);
                    if (code < 0)
                        j->failed = 1;
                }
                j->codes[i][at + k] = code;
            }
        }
    }
done:
    cav_buf_free(&text);
    free(c);
    free(d);
    free(err);
    return NULL;
}

/* render(columns, n, rows, kinds, codes, flags, threads) -> list (per kind) of lists of texts.
 * rows: None or an int64 buffer of row indices (then the codes are per entry of rows); codes: a
 * list (per kind) of int32 buffers written with the text's index, -1 for a row not evaluated. */
static PyObject *pack_render(PackObject *o, PyObject *args) {
    PyObject *cols, *rows_obj, *kinds_obj, *codes_obj;
    Py_ssize_t n;
    unsigned flags;
    int threads;
    if (!PyArg_ParseTuple(args, "OnOO!O!Ii", &cols, &n, &rows_obj, &PyList_Type, &kinds_obj,
                          &PyList_Type, &codes_obj, &flags, &threads))
        return NULL;
    Py_ssize_t nkinds = PyList_GET_SIZE(kinds_obj);
    if (nkinds > RENDER_MAX_KINDS || PyList_GET_SIZE(codes_obj) != nkinds)
        return raise_code(CAV_EINVAL);
    int kinds[RENDER_MAX_KINDS];
    for (Py_ssize_t i = 0; i < nkinds; i++) {
        kinds[i] = (int)PyLong_AsLong(PyList_GET_ITEM(kinds_obj, i));
        if (kinds[i] < 0 || kinds[i] >= CAV_COL_COUNT)
            return PyErr_Occurred() ? NULL : raise_code(CAV_EINVAL);
    }
    columns_in in;
    if (columns_get(cols, n, &in) != 0)
        return NULL;
    Py_buffer rows_buf, code_bufs[RENDER_MAX_KINDS];
    int have_rows = rows_obj != Py_None, nheld = 0, ok = 1;
    size_t count = (size_t)n;
    if (have_rows) {
        ok = get_buffer(rows_obj, &rows_buf, 8, -1, 0, "rows") == 0;
        count = ok ? (size_t)(rows_buf.len / 8) : 0;
        for (size_t i = 0; ok && i < count; i++) {
            int64_t r = ((const int64_t *)rows_buf.buf)[i];
            if (r < 0 || r >= n) {
                PyErr_SetString(PyExc_IndexError, "a row index is out of range");
                ok = 0;
            }
        }
        if (!ok && rows_buf.obj)
            PyBuffer_Release(&rows_buf), have_rows = 0;
    }
    int32_t *codes[RENDER_MAX_KINDS];
    for (Py_ssize_t i = 0; ok && i < nkinds; i++) {
        ok = get_buffer(PyList_GET_ITEM(codes_obj, i), &code_bufs[i], 4, (Py_ssize_t)count, 1,
                        "codes") == 0;
        if (ok)
            codes[nheld++] = code_bufs[i].buf;
    }
    PyObject *result = NULL;
    render_job *jobs = NULL;
    if (!ok)
        goto cleanup;
    if (threads <= 0)
        threads = 2;
    if ((size_t)threads > count / 1024 + 1)
        threads = (int)(count / 1024 + 1);
    jobs = calloc((size_t)threads, sizeof *jobs);
    if (!jobs) {
        PyErr_NoMemory();
        goto cleanup;
    }
    size_t per = (count + (size_t)threads - 1) / (size_t)threads;
    for (int t = 0; t < threads; t++) {
        render_job *j = &jobs[t];
        j->p = o->pack;
        j->in = &in.c;
        j->rows = have_rows ? rows_buf.buf : NULL;
        j->from = (size_t)t * per < count ? (size_t)t * per : count;
        j->to = j->from + per < count ? j->from + per : count;
        j->nkinds = (int)nkinds;
        j->kinds = kinds;
        j->codes = codes;
        j->flags = flags;
    }
    Py_BEGIN_ALLOW_THREADS;
    pthread_t tid[64];
    int started = 0;
    for (int t = 1; t < threads && t < 64; t++) {
        if (pthread_create(&tid[t], NULL, render_run, &jobs[t]) != 0)
            break;
        started = t;
    }
    render_run(&jobs[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    for (int t = started + 1; t < threads; t++)
        render_run(&jobs[t]);
    Py_END_ALLOW_THREADS;
    for (int t = 0; t < threads; t++)
        if (jobs[t].failed) {
            PyErr_NoMemory();
            goto cleanup;
        }
    /* one table per kind: the first thread's, the others' texts merged into it */
    result = PyList_New(nkinds);
    for (Py_ssize_t i = 0; result && i < nkinds; i++) {
        interner *all = &jobs[0].tables[i];
        for (int t = 1; t < threads; t++) {
            interner *mine = &jobs[t].tables[i];
            int32_t *map = malloc((mine->n + 1) * sizeof *map);
            if (!map) {
                Py_CLEAR(result);
                PyErr_NoMemory();
                break;
            }
            for (size_t k = 0; k < mine->n; k++)
                map[k] =
                    interner_add(all, mine->bytes + mine->off[k], mine->off[k + 1] - mine->off[k]);
            for (size_t r = jobs[t].from; r < jobs[t].to; r++)
                if (codes[i][r] >= 0)
                    codes[i][r] = map[codes[i][r]];
            free(map);
        }
        if (!result)
            break;
        if (all->failed) {
            Py_CLEAR(result);
            PyErr_NoMemory();
            break;
        }
        PyObject *texts = PyList_New((Py_ssize_t)all->n);
        cav_buf names = {0};
        for (size_t k = 0; texts && k < all->n; k++) {
            const char *t = all->bytes + all->off[k];
            size_t len = all->off[k + 1] - all->off[k];
            if (kinds[i] == CAV_COL_RULE) {
                /* ids to names, as cav_decision_column writes the column */
                cav_buf_clear(&names);
                for (size_t r = 0; r < len / sizeof(int); r++) {
                    int id;
                    memcpy(&id, t + r * sizeof id, sizeof id);
                    const char *name = id == CAV_RULE_DEFAULT_DENY ? "default-deny"
                                       : id == CAV_RULE_SILENT
                                           ? "silent"
                                           : cav_catalog_name(o->pack, CAV_CAT_RULE, id);
                    if (r)
                        cav_buf_append(&names, ";", 1);
                    cav_buf_append(&names, name, strlen(name));
                }
                t = names.data ? names.data : "";
                len = names.len;
            }
            PyObject *s = PyUnicode_DecodeUTF8(t, (Py_ssize_t)len, "replace");
            if (!s) {
                Py_CLEAR(texts);
                break;
            }
            PyList_SET_ITEM(texts, (Py_ssize_t)k, s);
        }
        cav_buf_free(&names);
        if (!texts) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, i, texts);
    }
cleanup:
    if (jobs)
        for (int t = 0; t < threads; t++)
            for (int i = 0; i < RENDER_MAX_KINDS; i++)
                interner_free(&jobs[t].tables[i]);
    free(jobs);
    for (int i = 0; i < nheld; i++)
        PyBuffer_Release(&code_bufs[i]);
    if (have_rows)
        PyBuffer_Release(&rows_buf);
    columns_release(&in);
    return result;
}

/* One field's values for errors(): a float64 column, codes into values, or a value per row. */
typedef struct {
    PyObject *values; /* a list, or NULL */
    Py_buffer buf;
    int field;
    int held;
    int coded, days;
} error_source;

/* errors(n, rows, sources, codes) -> list of distinct messages. For each row index of rows (an
 * int64 buffer), binds the row's values through the setters as `caveat audit` binds a row's
 * cells, finishes and evaluates it, and writes into codes (int32, one per entry of rows) the
 * index of its error text ("field: message; field: message", as the audit's error column), or -1
 * when the row is decided after all. sources: a list of (field, kind, data[, values]) with kind
 * "num" (data: float64 per row), "coded" (data: int32 codes per row into the list values, -1 for
 * none), "days" (data: int32 days per row, CAV_NO_DATE for none, bound as their YYYY-MM-DD
 * text) or "rows" (data: a list with a value per row). */
static PyObject *pack_errors(PackObject *o, PyObject *args) {
    Py_ssize_t n;
    PyObject *rows_obj, *sources, *codes_obj;
    if (!PyArg_ParseTuple(args, "nOO!O", &n, &rows_obj, &PyList_Type, &sources, &codes_obj))
        return NULL;
    Py_ssize_t ns = PyList_GET_SIZE(sources);
    if (ns > CAV_Q_COUNT)
        return raise_code(CAV_EINVAL);
    error_source src[CAV_Q_COUNT];
    memset(src, 0, sizeof src);
    Py_buffer rows, codes;
    int have_rows = 0, have_codes = 0;
    PyObject *result = NULL;
    interner texts;
    memset(&texts, 0, sizeof texts);
    for (Py_ssize_t i = 0; i < ns; i++) {
        const char *kind;
        PyObject *data, *values = NULL;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(sources, i), "isO|O", &src[i].field, &kind, &data,
                              &values))
            goto cleanup;
        if (src[i].field < 0 || src[i].field >= CAV_Q_COUNT) {
            raise_code(CAV_EINVAL);
            goto cleanup;
        }
        if (strcmp(kind, "rows") == 0) {
            if (!PyList_Check(data) || PyList_GET_SIZE(data) != n) {
                PyErr_SetString(PyExc_ValueError, "rows: a list of n values is needed");
                goto cleanup;
            }
            src[i].values = data;
            continue;
        }
        int coded = strcmp(kind, "coded") == 0, days = strcmp(kind, "days") == 0;
        if (get_buffer(data, &src[i].buf, coded || days ? 4 : 8, n, 0, "source") != 0)
            goto cleanup;
        src[i].held = 1;
        src[i].coded = coded;
        src[i].days = days;
        if (coded) {
            if (!values || !PyList_Check(values)) {
                PyErr_SetString(PyExc_ValueError, "coded: a list of values is needed");
                goto cleanup;
            }
            src[i].values = values;
        }
    }
    if (get_buffer(rows_obj, &rows, 8, -1, 0, "rows") != 0)
        goto cleanup;
    have_rows = 1;
    Py_ssize_t count = rows.len / 8;
    if (get_buffer(codes_obj, &codes, 4, count, 1, "codes") != 0)
        goto cleanup;
    have_codes = 1;
    cav_buf text = {0};
    for (Py_ssize_t k = 0; k < count; k++) {
        int64_t r = ((const int64_t *)rows.buf)[k];
        if (r < 0 || r >= n) {
            PyErr_SetString(PyExc_IndexError, "a row index is out of range");
            cav_buf_free(&text);
            goto cleanup;
        }
        cav_qerrors e;
        cav_query q;
        cav_query_init(&q, &e);
        for (Py_ssize_t i = 0; i < ns; i++) {
            PyObject *v;
            if (src[i].days) {
                /* a date as its text, as a log would give it */
                int32_t day = ((const int32_t *)src[i].buf.buf)[r];
                char t[16];
                if (day != CAV_NO_DATE) {
                    cav_date_format(day, t);
                    cav_query_set(&q, o->pack, (cav_qfield)src[i].field, t, strlen(t), &e);
                }
                continue;
            }
            if (!src[i].values) {
                double x = ((const double *)src[i].buf.buf)[r];
                if (!isnan(x))
                    cav_query_set_number(&q, o->pack, (cav_qfield)src[i].field, x, &e);
                continue;
            }
            if (src[i].coded) {
                int32_t c = ((const int32_t *)src[i].buf.buf)[r];
                if (c < 0 || c >= PyList_GET_SIZE(src[i].values))
                    continue;
                v = PyList_GET_ITEM(src[i].values, c);
            } else {
                v = PyList_GET_ITEM(src[i].values, r);
            }
            if (set_value(o->pack, &q, src[i].field, v, &e) != 0) {
                cav_buf_free(&text);
                goto cleanup;
            }
        }
        int bad = cav_query_finish(&q, o->pack, &e) != 0 || e.n || e.more;
        cav_decision d;
        if (!bad && cav_eval(o->pack, &q, &d) == 0) {
            ((int32_t *)codes.buf)[k] = -1;
            continue;
        }
        cav_buf_clear(&text);
        if (!bad) /* as the audit says of a row its checks pass and cav_eval refuses */
            cav_buf_append(&text, "the query could not be evaluated against this pack", 51);
        else
            cav_qerrors_text(&e, 0, &text);
        const char *t = text.data ? text.data : "";
        if (bad && strncmp(t, "error: ", 7) == 0)
            t += 7;
        int32_t code = interner_add(&texts, t, strlen(t));
        if (code < 0) {
            cav_buf_free(&text);
            PyErr_NoMemory();
            goto cleanup;
        }
        ((int32_t *)codes.buf)[k] = code;
    }
    cav_buf_free(&text);
    result = PyList_New((Py_ssize_t)texts.n);
    for (size_t k = 0; result && k < texts.n; k++) {
        PyObject *s = PyUnicode_DecodeUTF8(
            texts.bytes + texts.off[k], (Py_ssize_t)(texts.off[k + 1] - texts.off[k]), "replace");
        if (!s) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, (Py_ssize_t)k, s);
    }
cleanup:
    interner_free(&texts);
    for (Py_ssize_t i = 0; i < ns; i++)
        if (src[i].held)
            PyBuffer_Release(&src[i].buf);
    if (have_rows)
        PyBuffer_Release(&rows);
    if (have_codes)
        PyBuffer_Release(&codes);
    return result;
}

/* ---- the module ------------------------------------------------------------------------------ */

static PyObject *mod_set_exceptions(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *pe, *qe;
    if (!PyArg_ParseTuple(args, "OO", &pe, &qe))
        return NULL;
    Py_XDECREF(policy_error);
    Py_XDECREF(query_error);
    Py_INCREF(pe);
    Py_INCREF(qe);
    policy_error = pe;
    query_error = qe;
    return none();
}

static PyObject *mod_qfields(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    PyObject *list = PyList_New(CAV_Q_COUNT);
    for (int f = 0; list && f < CAV_Q_COUNT; f++)
        PyList_SET_ITEM(list, f,
                        Py_BuildValue("(si)", cav_qfield_name((cav_qfield)f),
                                      cav_qfield_required((cav_qfield)f)));
    return list;
}

static PyObject *mod_qfield_find(PyObject *self, PyObject *args) {
    (void)self;
    const char *s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "s#", &s, &n))
        return NULL;
    return PyLong_FromLong(cav_qfield_find(s, (size_t)n));
}

static PyObject *mod_columns(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    PyObject *list = PyList_New(CAV_COL_COUNT);
    for (int c = 0; list && c < CAV_COL_COUNT; c++)
        PyList_SET_ITEM(list, c, PyUnicode_FromString(cav_column_name((cav_column)c)));
    return list;
}

static PyMethodDef pack_methods[] = {
    {"names", (PyCFunction)pack_names, METH_VARARGS, "names(catalog) -> the catalog's ids"},
    {"catalog_json", (PyCFunction)pack_catalog_json, METH_NOARGS, "every catalog, as JSON"},
    {"sources_json", (PyCFunction)pack_sources_json, METH_NOARGS, "the sources, as JSON"},
    {"timeline", (PyCFunction)pack_timeline, METH_VARARGS, "timeline(party, weapon, format)"},
    {"diff", (PyCFunction)pack_diff, METH_VARARGS, "diff(from, to, party, weapon, format)"},
    {"where", (PyCFunction)pack_where, METH_VARARGS, "where(lat, lon, uncertainty_m) -> JSON"},
    {"sample", (PyCFunction)pack_sample, METH_VARARGS, "sample(rows, seed, bad_rate, fd)"},
    {"decide", (PyCFunction)pack_decide, METH_VARARGS, "decide(fields) -> Decided"},
    {"map", (PyCFunction)pack_map, METH_VARARGS, "map(fields or None, format) -> text"},
    {"bind_values", (PyCFunction)pack_bind_values, METH_VARARGS,
     "bind_values(field, values, out) -> indices refused"},
    {"decide_batch", (PyCFunction)pack_decide_batch, METH_VARARGS,
     "decide_batch(columns, n, results, threads)"},
    {"render", (PyCFunction)pack_render, METH_VARARGS,
     "render(columns, n, rows, kinds, codes, flags, threads) -> texts per kind"},
    {"errors", (PyCFunction)pack_errors, METH_VARARGS,
     "errors(n, rows, sources, codes) -> distinct error texts"},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef pack_getset[] = {
    {"id", (getter)pack_get_id, NULL, "NAME@ and 12 hex digits of the content hash", NULL},
    {"hash", (getter)pack_get_hash, NULL, "SHA-256 of the compiled content", NULL},
    {"name", (getter)pack_get_name, NULL, "the pack's name", NULL},
    {"timezone", (getter)pack_get_timezone, NULL, "the pack's time zone", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject PackType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "caveat._caveat.Pack",
    .tp_basicsize = sizeof(PackObject),
    .tp_dealloc = (destructor)pack_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A loaded, immutable pack (the library's cav_pack).",
    .tp_methods = pack_methods,
    .tp_getset = pack_getset,
};

static PyMethodDef decided_methods[] = {
    {"json", (PyCFunction)decided_json, METH_VARARGS, "json(id_json, flags) -> str"},
    {"text", (PyCFunction)decided_text, METH_VARARGS, "text(flags) -> str"},
    {"column", (PyCFunction)decided_column, METH_VARARGS, "column(kind, flags) -> str"},
    {"rules", (PyCFunction)decided_rules, METH_NOARGS, "the use's deciding rules"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject DecidedType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "caveat._caveat.Decided",
    .tp_basicsize = sizeof(DecidedObject),
    .tp_dealloc = (destructor)decided_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One query and its decision, for rendering.",
    .tp_methods = decided_methods,
};

static PyMethodDef module_methods[] = {
    {"load_default", mod_load_default, METH_NOARGS, "the embedded default pack"},
    {"load", mod_load, METH_VARARGS, "load(paths) -> Pack"},
    {"default_files", mod_default_files, METH_NOARGS, "the default pack's files (path, bytes)"},
    {"qfields", mod_qfields, METH_NOARGS, "the query fields: (name, required) by id"},
    {"qfield_find", mod_qfield_find, METH_VARARGS, "qfield_find(name) -> id or -1"},
    {"columns", mod_columns, METH_NOARGS, "the audit's decision columns by id"},
    {"days_of", mod_days_of, METH_VARARGS, "days_of(ns, out) -> dates out of range"},
    {"ns_of", mod_ns_of, METH_VARARGS, "ns_of(days, open, verdict, out)"},
    {"_set_exceptions", mod_set_exceptions, METH_VARARGS, "(PolicyError, QueryError)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT,
                                    "_caveat",
                                    "The C half of the caveat package (libcaveat).",
                                    -1,
                                    module_methods,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL};

PyMODINIT_FUNC PyInit__caveat(void);
PyMODINIT_FUNC PyInit__caveat(void) {
    if (PyType_Ready(&PackType) < 0 || PyType_Ready(&DecidedType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&PackType);
    Py_INCREF(&DecidedType);
    if (PyModule_AddObject(m, "Pack", (PyObject *)&PackType) < 0 ||
        PyModule_AddObject(m, "Decided", (PyObject *)&DecidedType) < 0 ||
        PyModule_AddStringConstant(m, "library_version", cav_version()) < 0 ||
        PyModule_AddIntConstant(m, "EXPLAIN", CAV_EXPLAIN) < 0 ||
        PyModule_AddIntConstant(m, "NO_DATE", CAV_NO_DATE) < 0 ||
        PyModule_AddIntConstant(m, "DATE_OPEN", CAV_DATE_OPEN) < 0 ||
        PyModule_AddIntConstant(m, "BATCH_ERROR", CAV_BATCH_ERROR) < 0 ||
        PyModule_AddIntConstant(m, "RULE_DEFAULT_DENY", CAV_RULE_DEFAULT_DENY) < 0 ||
        PyModule_AddIntConstant(m, "RULE_SILENT", CAV_RULE_SILENT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
