/* cmd_audit.c — `caveat audit`: decide every row of event logs (CSV or NDJSON), in order, on all
 * cores, in constant memory.
 *
 * Pipeline. A reader thread cuts the input into chunks of whole rows (about 1 MiB; a row may hold
 * quoted newlines, see core/csv.h); worker threads each take a chunk, read its rows, evaluate them
 * and format the output rows into the chunk's own output buffer; the main thread writes finished
 * chunks strictly in input order. A fixed pool of 2 * threads + 2 chunks bounds memory whatever
 * the input size. Rows in = rows out, always: a row that cannot be evaluated keeps its place, with
 * an `error` naming the field.
 *
 * Hot path. Workers avoid the JSON query reader: fields are spans into the chunk, names go through
 * a per-thread cache in front of cav_pack_weapon() and friends, dates through a per-thread cache
 * in front of cav_date_parse(), numbers through an exact fast path (at most 15 digits, no exponent:
 * one correctly rounded division) in front of strtod(). The added columns of a decision depend
 * only on the decision (and on the date when a party was decided by default or by the absence of
 * rules, whose explanations name the date), so they are formatted once per distinct decision and
 * copied afterwards; decisions whose explanation names missing fields (and so depends on the
 * query) are explained row by row. A row the fast path refuses is rebuilt as a JSON query and
 * handed to cav_query_parse_json(), so bad rows get exactly the field and message `caveat check`
 * gives, and the fast path can never accept less than the reference reader.
 *
 * Output goes to a temporary file in the directory of -o, renamed over OUT only when complete;
 * SIGINT/SIGTERM remove it, and a run killed harder leaves only a hidden ".OUT.part.XXXXXX".
 */
#include "cli/cli.h"
#include "core/csv.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char audit_help[] =
    "usage: caveat audit [--policy DIR|FILE]... [--format csv|ndjson] [--input-format csv|ndjson]\n"
    "                    [-o OUT] [--summary FILE] [--threads N] [--quiet] [INPUT... | -]\n\n"
    "Decides every row of event logs and writes each row with the columns decision, parties,\n"
    "rule, explanation and error added, in input order: rows in = rows out. A row that cannot be\n"
    "evaluated gets an error naming the field and the run goes on.\n\n"
    "CSV input has a header row naming the query fields dotted: id, date, weapon, supplier,\n"
    "target.lat, target.lon, target.kind, target.state, purpose, launch.lat, launch.lon (date,\n"
    "weapon, target.lat, target.lon and target.kind are required); other columns pass through\n"
    "unchanged. NDJSON input (by extension .ndjson/.jsonl, or --input-format) holds one query per\n"
    "line; other top-level keys pass through. Several inputs are read one after the other (CSV\n"
    "inputs must share one header).\n\n"
    "  --policy P        load the pack from P (repeatable); default: the embedded pack\n"
    "  --format F        output csv or ndjson (default: the input's format)\n"
    "  --input-format F  csv or ndjson (default: by extension; stdin is csv)\n"
    "  -o OUT            write to OUT (through a temporary file renamed when complete);\n"
    "                    default: stdout\n"
    "  --summary FILE    write the summary as JSON to FILE\n"
    "  --threads N       worker threads (default: the number of cores)\n"
    "  --quiet           no summary and no progress on stderr\n\n"
    "Columns added: decision (permitted, prohibited, unknown; empty for an error), parties\n"
    "(PARTY:decision;...), rule (the deciding rules of the parties that decided, or default-deny,\n"
    "or no-rules-in-force), explanation, error (FIELD: message). NDJSON output adds decision,\n"
    "parties (as in `caveat check`), rule, explanation, or error {field, message}.\n\n"
    "Exit status: 0 every row evaluated, 1 some row was an error, 2 usage, policy or I/O error.\n";

enum {
    CHUNK_BYTES = 1 << 20,    /* input bytes per chunk */
    MAX_ROW = CAV_MAX_LINE,   /* longest row; a longer one is an error row */
    MAX_COLS = 4096,          /* columns of a CSV header */
    NAME_SLOTS = 1024,        /* per-thread name cache */
    DATE_SLOTS = 4096,        /* per-thread date cache */
    DEC_SLOTS = 8192,         /* per-thread decision cache */
    KEY_MAX = 48,             /* uint16 words of a decision key */
    SAMPLES = 10,             /* error rows kept for the summary */
    MAX_DATE_SLOTS = 8,       /* dates in one explanation template */
    MONTH_BASE = 1900 * 12,   /* months are counted from 1900-01 to 2999-12 */
    NMONTHS = 1100 * 12
};

/* The query columns, in DESIGN.md order. */
enum { Q_ID, Q_DATE, Q_WEAPON, Q_SUPPLIER, Q_TLAT, Q_TLON, Q_KIND, Q_STATE, Q_PURPOSE, Q_LLAT,
       Q_LLON, NQ };
static const char *const qnames[NQ] = {"id",         "date",       "weapon",      "supplier",
                                       "target.lat", "target.lon", "target.kind", "target.state",
                                       "purpose",    "launch.lat", "launch.lon"};
static const char *const added_names[] = {"decision", "parties", "rule", "explanation", "error"};

enum { FMT_CSV, FMT_NDJSON };
enum { CH_FREE, CH_READY, CH_BUSY, CH_DONE };
enum { SPECIAL_NONE, SPECIAL_TOOLONG };

typedef struct audit_opts {
    const char *policies[64];
    int npolicies;
    const char *format, *input_format, *output, *summary;
    int threads, quiet;
    const char **inputs;
    int ninputs;
} audit_opts;

/* One error row kept for the summary. */
typedef struct err_sample {
    size_t row;      /* in its chunk; made absolute by the writer */
    int file;
    char field[32];
    char message[160];
} err_sample;

typedef struct chunk {
    int state;        /* CH_* */
    uint64_t seq;     /* input order */
    int file;         /* index of the input */
    int special;      /* SPECIAL_TOOLONG: one row that was too long, no data */
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_cap;
    uint64_t bytes_end; /* input bytes consumed (all files) once this chunk is done */
    size_t nrows, nerrors;
    err_sample samples[SAMPLES];
    int nsamples;
} chunk;

/* A distinct decision (without its date): counted per worker, summarised at the end. */
typedef struct shape {
    uint16_t key[KEY_MAX];
    int klen;
} shape;

typedef struct name_slot {
    uint64_t a, b;       /* the first 8 and the last 8 bytes of the name, zero-padded */
    uint8_t used, tag, len;
    int32_t id;
} name_slot;

typedef struct date_slot {
    uint64_t a;          /* the date's first 8 bytes */
    uint16_t b;          /* its last 2 */
    uint16_t used;
    int32_t days, month; /* month: index from 1900-01 */
} date_slot;

typedef struct dec_slot {
    uint32_t hash;
    uint16_t klen, used;
    uint16_t key[KEY_MAX];
    int shape;
    int explain_ok;     /* 0: the explanation depends on the query; made per row */
    size_t frag, nfrag; /* in the worker's fragment buffer */
    int ndates;         /* places in the fragment where the row's date goes */
    uint32_t dates[MAX_DATE_SLOTS];
} dec_slot;

typedef struct audit audit;

typedef struct worker {
    audit *a;
    pthread_t thread;
    cav_csv_span *spans;
    size_t nspans;
    char *vals;          /* unquoted values: query fields in the first half, re-encoded fields
                            in the second */
    size_t vals_cap;
    name_slot names[NAME_SLOTS];
    int nnames;
    date_slot dates[DATE_SLOTS];
    dec_slot *decs;
    int ndecs;
    char *frags;
    size_t nfrags, frags_cap;
    char *text;          /* explanation and JSON scratch */
    size_t text_cap;
    /* statistics */
    uint64_t rows, errors, verdicts[3];
    uint64_t *shape_counts;
    int shape_cap;
    uint64_t (*months)[3];
    uint64_t err_fields[NQ + 2];
} worker;

struct audit {
    const cav_pack *pack;
    const audit_opts *o;
    int in_fmt, out_fmt;
    int ncols;                 /* CSV header columns (NDJSON input: NQ) */
    char **cols;
    int qcol[NQ];              /* column of each query field, -1 when absent */
    int nweapons, nparties;
    unsigned char *supplier_ok; /* [weapon][supplier + 1]: 1 when the query reader accepts the
                                   pair (supplier -1: none given) */
    char *header_line;         /* raw header of the first CSV input */
    size_t header_len;
    /* pipeline */
    pthread_mutex_t mu;
    pthread_cond_t cv_ready, cv_done, cv_free;
    chunk *chunks;
    int nchunks;
    uint64_t nread;            /* chunks submitted */
    int reader_done, failed;
    char fail_msg[1024];
    /* distinct decisions */
    pthread_mutex_t shape_mu;
    shape *shapes;
    int nshapes, shapes_cap;
    int *shape_index;          /* open addressing, shape ids + 1 */
    int shape_index_cap;
    /* input position */
    uint64_t total_bytes;      /* of all regular-file inputs; 0 when unknown */
    int total_known;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A hash of a decision key, a word at a time (keys are a few to a few dozen words). */
static uint32_t hash_key(const uint16_t *key, int n) {
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < n; i++)
        h = (h ^ key[i]) * 0xff51afd7ed558ccdu;
    return (uint32_t)(h >> 32);
}

static int reserve(char **buf, size_t *cap, size_t len, size_t more) {
    if (len + more <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 4096;
    while (ncap < len + more)
        ncap *= 2;
    char *g = realloc(*buf, ncap);
    if (!g)
        return -1;
    *buf = g;
    *cap = ncap;
    return 0;
}

/* Writes s[0, n) as a JSON string literal into out (room for 6 * n + 2); returns bytes written. */
static size_t json_put(char *out, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c == '\n') {
            out[k++] = '\\';
            out[k++] = 'n';
        } else if (c < 0x20) {
            memcpy(out + k, "\\u00", 4);
            out[k + 4] = hex[c >> 4];
            out[k + 5] = hex[c & 15];
            k += 6;
        } else {
            out[k++] = (char)c;
        }
    }
    out[k++] = '"';
    return k;
}

static void trim(const char **s, size_t *n) {
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* ---- values: numbers, names, dates ---------------------------------------------------------- */

/* A number written [+-]?(digits[.digits]|.digits)([eE][+-]?digits)?, read as strtod reads it:
 * exactly and fast when it has at most 15 digits and no exponent (the digits are an exact integer
 * and the power of ten is exact, so one division rounds correctly), by strtod otherwise. Returns
 * 0 or -1. */
static int parse_number(const char *s, size_t n, double *out) {
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    int neg = 0;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t m = 0;
    const unsigned char *d0 = p;
    while (p < e && (unsigned)(*p - '0') < 10)
        m = m * 10 + (unsigned)(*p++ - '0');
    size_t whole = (size_t)(p - d0), frac = 0;
    if (p < e && *p == '.') {
        const unsigned char *f0 = ++p;
        while (p < e && (unsigned)(*p - '0') < 10)
            m = m * 10 + (unsigned)(*p++ - '0');
        frac = (size_t)(p - f0);
    }
    if (whole + frac == 0)
        return -1;
    if (p == e && whole + frac <= 15) {
        double v = (double)m / pow10[frac];
        *out = neg ? -v : v;
        return 0;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p == e || (unsigned)(*p - '0') >= 10)
            return -1;
        while (p < e && (unsigned)(*p - '0') < 10)
            p++;
    }
    char buf[64];
    if (p != e || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    return 0;
}

enum { TAG_WEAPON, TAG_SUPPLIER, TAG_KIND, TAG_PURPOSE, TAG_STATE };

static int lookup_name(const cav_pack *p, int tag, const char *s) {
    switch (tag) {
    case TAG_WEAPON: return cav_pack_weapon(p, s);
    case TAG_SUPPLIER: return cav_pack_party(p, s);
    case TAG_KIND: return cav_pack_kind(p, s);
    case TAG_PURPOSE: return cav_pack_purpose(p, s);
    default:
        return cav__streqi(s, "ground") ? CAV_STATE_GROUND
               : cav__streqi(s, "airborne") ? CAV_STATE_AIRBORNE
                                            : -1;
    }
}

/* The id of a catalog name through the worker's cache; -1 when the pack has no such name. Names
 * of up to 16 bytes are cached, keyed by their first and last 8 bytes. */
static int name_id(worker *w, int tag, const char *s, size_t n) {
    char buf[256];
    if (n >= sizeof buf)
        return -1;
    if (n <= 16) {
        uint64_t a = 0, b = 0;
        memcpy(&a, s, n < 8 ? n : 8);
        if (n > 8)
            memcpy(&b, s + n - 8, 8);
        uint64_t h = (a * 0x9e3779b97f4a7c15u) ^ (b * 0xc2b2ae3d27d4eb4fu) ^ (n << 3 | (unsigned)tag);
        h *= 0xff51afd7ed558ccdu;
        for (uint32_t i = (uint32_t)(h >> 54) & (NAME_SLOTS - 1);; i = (i + 1) & (NAME_SLOTS - 1)) {
            name_slot *e = &w->names[i];
            if (!e->used) {
                memcpy(buf, s, n);
                buf[n] = '\0';
                int id = lookup_name(w->a->pack, tag, buf);
                if (w->nnames < NAME_SLOTS / 2) {
                    *e = (name_slot){a, b, 1, (uint8_t)tag, (uint8_t)n, id};
                    w->nnames++;
                }
                return id;
            }
            if (e->a == a && e->b == b && e->len == n && e->tag == tag)
                return e->id;
        }
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return lookup_name(w->a->pack, tag, buf);
}

/* Days of a YYYY-MM-DD date through the worker's cache; -1 when it is no date. */
static int date_days(worker *w, const char *s, size_t n, int32_t *days, int32_t *month) {
    if (n != 10)
        return -1;
    uint64_t a;
    uint16_t b;
    memcpy(&a, s, 8);
    memcpy(&b, s + 8, 2);
    uint64_t h = a * 0x9e3779b97f4a7c15u + b * 0xc2b2ae3d27d4eb4fu;
    date_slot *e = &w->dates[(h >> 40) & (DATE_SLOTS - 1)];
    if (!e->used || e->a != a || e->b != b) {
        char buf[11];
        memcpy(buf, s, 10);
        buf[10] = '\0';
        int32_t d;
        if (cav_date_parse(buf, &d) != 0)
            return -1;
        e->a = a;
        e->b = b;
        e->days = d;
        e->month = ((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0')) *
                       12 +
                   (s[5] - '0') * 10 + (s[6] - '0') - 1 - MONTH_BASE;
        e->used = 1;
    }
    *days = e->days;
    *month = e->month;
    return 0;
}

/* ---- decisions: keys, shapes, formatted columns --------------------------------------------- */

/* The key of d: every field of every party; the date is added by the caller when needed. */
static int decision_key(const cav_decision *d, uint16_t *key, int *needs_date, int *explain_ok) {
    int k = 0;
    *needs_date = 0;
    *explain_ok = 1;
    key[k++] = (uint16_t)(d->verdict | d->nparties << 2);
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        if (k + 4 + pd->nrules > KEY_MAX - 2)
            return -1;
        key[k++] = (uint16_t)pd->party;
        key[k++] = (uint16_t)(pd->verdict | pd->basis << 2 | pd->nrules << 4);
        key[k++] = (uint16_t)pd->missing;
        for (int r = 0; r < pd->nrules; r++)
            key[k++] = (uint16_t)pd->rules[r];
        if (pd->basis != CAV_BASIS_RULE)
            *needs_date = 1;
        if (pd->missing)
            *explain_ok = 0;
    }
    return k;
}

/* The id of the shape of key[0, klen), registered on first sight (under the shape lock). */
static int shape_id(audit *a, const uint16_t *key, int klen) {
    uint32_t h = hash_key(key, klen);
    pthread_mutex_lock(&a->shape_mu);
    int id = -1;
    if (a->nshapes * 2 >= a->shape_index_cap) {
        int ncap = a->shape_index_cap ? a->shape_index_cap * 2 : 1024;
        int *ix = calloc((size_t)ncap, sizeof *ix);
        if (!ix)
            goto done;
        for (int s = 0; s < a->nshapes; s++) {
            uint32_t hs = hash_key(a->shapes[s].key, a->shapes[s].klen);
            uint32_t i = hs & (uint32_t)(ncap - 1);
            while (ix[i])
                i = (i + 1) & (uint32_t)(ncap - 1);
            ix[i] = s + 1;
        }
        free(a->shape_index);
        a->shape_index = ix;
        a->shape_index_cap = ncap;
    }
    uint32_t i = h & (uint32_t)(a->shape_index_cap - 1);
    for (;; i = (i + 1) & (uint32_t)(a->shape_index_cap - 1)) {
        int s = a->shape_index[i] - 1;
        if (s < 0)
            break;
        if (a->shapes[s].klen == klen && memcmp(a->shapes[s].key, key, (size_t)klen * 2) == 0) {
            id = s;
            goto done;
        }
    }
    if (a->nshapes == a->shapes_cap) {
        int ncap = a->shapes_cap ? a->shapes_cap * 2 : 256;
        shape *g = realloc(a->shapes, (size_t)ncap * sizeof *g);
        if (!g)
            goto done;
        a->shapes = g;
        a->shapes_cap = ncap;
    }
    id = a->nshapes++;
    memcpy(a->shapes[id].key, key, (size_t)klen * 2);
    a->shapes[id].klen = klen;
    a->shape_index[i] = id + 1;
done:
    pthread_mutex_unlock(&a->shape_mu);
    return id;
}

/* The rule column of d: the deciding rules of the parties whose verdict is the decision's. */
static size_t rule_column(const cav_pack *p, const cav_decision *d, char *out, size_t cap) {
    cav_out o;
    cav__out_init(&o, out, cap);
    int seen_default = 0, seen_none = 0, n = 0;
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        if (pd->verdict != d->verdict)
            continue;
        if (pd->basis == CAV_BASIS_DEFAULT && !seen_default++) {
            cav__out_puts(&o, n++ ? ";default-deny" : "default-deny");
        } else if (pd->basis == CAV_BASIS_NONE && !seen_none++) {
            cav__out_puts(&o, n++ ? ";no-rules-in-force" : "no-rules-in-force");
        } else if (pd->basis == CAV_BASIS_RULE) {
            for (int r = 0; r < pd->nrules; r++) {
                const char *id = cav_pack_rule_name(p, pd->rules[r]);
                if (n && strstr(out, id)) {
                    /* a rule of several parties: name it once */
                    size_t len = strlen(id);
                    const char *hit = out;
                    int dup = 0;
                    while ((hit = strstr(hit, id)) != NULL) {
                        if ((hit == out || hit[-1] == ';') && (hit[len] == ';' || !hit[len]))
                            dup = 1;
                        hit += len;
                    }
                    if (dup)
                        continue;
                }
                if (n++)
                    cav__out_puts(&o, ";");
                cav__out_puts(&o, id);
            }
        }
    }
    return o.len;
}

static int grow_text(worker *w, size_t need) {
    if (need < w->text_cap)
        return 0;
    char *g = realloc(w->text, need + 1);
    if (!g)
        return -1;
    w->text = g;
    w->text_cap = need + 1;
    return 0;
}

/* The explanation of (q, d) in w->text; returns its length, or (size_t)-1 out of memory. */
static size_t explain(worker *w, const cav_query *q, const cav_decision *d) {
    for (;;) {
        size_t need = cav_explain(w->a->pack, q, d, 0, w->text, w->text_cap);
        if (need < w->text_cap)
            return need;
        if (grow_text(w, need) != 0)
            return (size_t)-1;
    }
}

/* Appends to the fragment buffer the added columns of d, up to the explanation (not included
 * when !with_explanation). Returns 0 or -1 out of memory. */
static int format_fragment(worker *w, const cav_query *q, const cav_decision *d,
                           int with_explanation) {
    const cav_pack *p = w->a->pack;
    char rules[2048], parties[512];
    size_t nr = rule_column(p, d, rules, sizeof rules);
    if (nr >= sizeof rules)
        nr = sizeof rules - 1;
    cav_out po;
    cav__out_init(&po, parties, sizeof parties);
    for (int i = 0; i < d->nparties; i++)
        cav__out_printf(&po, "%s%s:%s", i ? ";" : "",
                        cav_pack_party_name(p, d->parties[i].party),
                        cav_verdict_name(d->parties[i].verdict));
    size_t np = po.len < sizeof parties ? po.len : sizeof parties - 1;
    size_t ne = 0;
    if (with_explanation && (ne = explain(w, q, d)) == (size_t)-1)
        return -1;
    const char *verdict = cav_verdict_name(d->verdict);
    if (w->a->out_fmt == FMT_CSV) {
        if (reserve(&w->frags, &w->frags_cap, w->nfrags, 2 * (nr + np + ne) + 64) != 0)
            return -1;
        char *o = w->frags + w->nfrags;
        size_t k = 0;
        o[k++] = ',';
        memcpy(o + k, verdict, strlen(verdict));
        k += strlen(verdict);
        o[k++] = ',';
        k += cav__csv_put(o + k, parties, np);
        o[k++] = ',';
        k += cav__csv_put(o + k, rules, nr);
        o[k++] = ',';
        if (with_explanation) {
            k += cav__csv_put(o + k, w->text, ne);
            o[k++] = ',';
            o[k++] = '\n';
        }
        w->nfrags += k;
        return 0;
    }
    /* NDJSON: the parties array as `caveat check` writes it */
    size_t nj;
    for (;;) {
        nj = cav_decision_json(p, q, d, "null", 0, w->text, w->text_cap);
        if (nj < w->text_cap)
            break;
        if (grow_text(w, nj) != 0)
            return -1;
    }
    const char *arr = strstr(w->text, "\"parties\": ");
    const char *arr_end = strstr(w->text, ", \"explanation\": ");
    if (!arr || !arr_end)
        return -1;
    arr += strlen("\"parties\": ");
    size_t narr = (size_t)(arr_end - arr);
    if (reserve(&w->frags, &w->frags_cap, w->nfrags, narr + 6 * nr + 6 * ne + 128) != 0)
        return -1;
    char *o = w->frags + w->nfrags;
    size_t k = (size_t)sprintf(o, "\"decision\": \"%s\", \"parties\": ", verdict);
    memmove(o + k, arr, narr);
    k += narr;
    memcpy(o + k, ", \"rule\": ", 10);
    k += 10;
    k += json_put(o + k, rules, nr);
    memcpy(o + k, ", \"explanation\": ", 17);
    k += 17;
    if (with_explanation) {
        size_t ne2 = explain(w, q, d);
        if (ne2 == (size_t)-1)
            return -1;
        if (reserve(&w->frags, &w->frags_cap, w->nfrags + k, 6 * ne2 + 8) != 0)
            return -1;
        o = w->frags + w->nfrags;
        k += json_put(o + k, w->text, ne2);
        o[k++] = '}';
        o[k++] = '\n';
    }
    w->nfrags += k;
    return 0;
}

/* Sentinel dates for explanation templates (see decision_slot). */
#define DATE_A 14610   /* 2010-01-01 */
#define DATE_B 41271   /* 2082-12-31 */

/* Finds where the date goes in a fragment made for DATE_A (at a) and for DATE_B (at b, same
 * length n): every byte that differs must lie in an occurrence of DATE_A's text in a facing one of
 * DATE_B's text. Returns the number of places (stored in at[]), or -1 when the fragments differ
 * otherwise (the decision's text then depends on the date in other ways). */
static int date_places(const char *a, const char *b, size_t n, uint32_t *at) {
    char da[11], db[11];
    cav_date_format(DATE_A, da);
    cav_date_format(DATE_B, db);
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] == b[i])
            continue;
        /* the first differing byte of a date: back up to where its text starts */
        size_t start = i;
        while (start > 0 && i - start < 10 &&
               !(memcmp(a + start, da, 10) == 0 && memcmp(b + start, db, 10) == 0))
            start--;
        if (start + 10 > n || memcmp(a + start, da, 10) != 0 || memcmp(b + start, db, 10) != 0 ||
            k == MAX_DATE_SLOTS)
            return -1;
        at[k++] = (uint32_t)start;
        i = start + 9;
    }
    return k;
}

/* The cache entry of d, formatting its columns on first sight; NULL out of memory.
 *
 * The columns of a decision depend on the query's date only through the date's text in
 * explanations such as "No rule of US in force on 2024-06-10 permits this use", so an entry holds
 * a template made with a sentinel date and the places where the row's date is written. The
 * template is checked against a second sentinel: if anything else changes with the date, the
 * entry is keyed by the date instead. Decisions with missing fields are explained row by row. */
static dec_slot *decision_slot(worker *w, const cav_query *q, const cav_decision *d) {
    uint16_t key[KEY_MAX];
    int needs_date, explain_ok;
    int klen = decision_key(d, key, &needs_date, &explain_ok);
    if (klen < 0)
        return NULL;
    int shape_len = klen;
    for (int pass = 0; pass < 2; pass++) {
        int keyed = pass == 1 || !explain_ok;
        if (keyed) {
            key[shape_len] = (uint16_t)((uint32_t)q->date & 0xffff);
            key[shape_len + 1] = (uint16_t)((uint32_t)q->date >> 16);
            klen = shape_len + 2;
        }
        uint32_t h = hash_key(key, klen);
        uint32_t i = h & (DEC_SLOTS - 1);
        for (;; i = (i + 1) & (DEC_SLOTS - 1)) {
            dec_slot *e = &w->decs[i];
            if (!e->used)
                break;
            if (e->hash == h && e->klen == klen && memcmp(e->key, key, (size_t)klen * 2) == 0)
                return e;
        }
        if (w->ndecs >= DEC_SLOTS / 2 || w->nfrags > (64u << 20)) {
            /* full: start over */
            memset(w->decs, 0, DEC_SLOTS * sizeof *w->decs);
            w->ndecs = 0;
            w->nfrags = 0;
            for (i = h & (DEC_SLOTS - 1); w->decs[i].used; i = (i + 1) & (DEC_SLOTS - 1))
                ;
        }
        dec_slot *e = &w->decs[i];
        int sid = shape_id(w->a, key, shape_len);
        if (sid < 0)
            return NULL;
        size_t start = w->nfrags;
        e->ndates = 0;
        if (!keyed && needs_date) {
            cav_query qa = *q, qb = *q;
            qa.date = DATE_A;
            qb.date = DATE_B;
            if (format_fragment(w, &qa, d, 1) != 0)
                return NULL;
            size_t mid = w->nfrags;
            if (format_fragment(w, &qb, d, 1) != 0)
                return NULL;
            int n = mid - start == w->nfrags - mid
                        ? date_places(w->frags + start, w->frags + mid, mid - start, e->dates)
                        : -1;
            w->nfrags = mid;
            if (n < 0) {
                w->nfrags = start;
                continue; /* key this decision by its date */
            }
            e->ndates = n;
        } else if (format_fragment(w, q, d, explain_ok) != 0) {
            return NULL;
        }
        e->used = 1;
        e->hash = h;
        e->klen = (uint16_t)klen;
        memcpy(e->key, key, (size_t)klen * 2);
        e->shape = sid;
        e->explain_ok = explain_ok;
        e->frag = start;
        e->nfrag = w->nfrags - start;
        w->ndecs++;
        return e;
    }
    return NULL;
}

/* ---- rows ----------------------------------------------------------------------------------- */

static int ensure_out(chunk *c, size_t more) { return reserve(&c->out, &c->out_cap, c->out_len, more); }

static int field_index(const char *field) {
    for (int i = 0; i < NQ; i++)
        if (strcmp(field, qnames[i]) == 0)
            return i;
    return field[0] ? NQ + 1 : NQ;
}

/* Records an error row's statistics; the caller writes the row. */
static void count_error(worker *w, chunk *c, size_t row, const char *field, const char *msg) {
    w->errors++;
    w->err_fields[field_index(field)]++;
    c->nerrors++;
    if (c->nsamples < SAMPLES) {
        err_sample *s = &c->samples[c->nsamples++];
        s->row = row;
        s->file = c->file;
        snprintf(s->field, sizeof s->field, "%s", field);
        snprintf(s->message, sizeof s->message, "%s", msg);
    }
}

/* Appends the added columns of an error row (CSV: after the row's fields; NDJSON: the members
 * after the row's own, with the closing brace). */
static int put_error_columns(worker *w, chunk *c, const char *field, const char *msg) {
    size_t nf = strlen(field), nm = strlen(msg);
    if (ensure_out(c, 8 * (nf + nm) + 64) != 0)
        return -1;
    char *o = c->out + c->out_len;
    size_t k = 0;
    if (w->a->out_fmt == FMT_CSV) {
        memcpy(o, ",,,,,", 5);
        k = 5;
        char text[1024];
        int n = snprintf(text, sizeof text, "%s%s%s", field, nf ? ": " : "", msg);
        k += cav__csv_put(o + k, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
        o[k++] = '\n';
    } else {
        memcpy(o, "\"error\": {\"field\": ", 19);
        k = 19;
        if (nf) {
            k += json_put(o + k, field, nf);
        } else {
            memcpy(o + k, "null", 4);
            k += 4;
        }
        memcpy(o + k, ", \"message\": ", 13);
        k += 13;
        k += json_put(o + k, msg, nm);
        memcpy(o + k, "}}\n", 3);
        k += 3;
    }
    c->out_len += k;
    return 0;
}

/* Appends the added columns of an evaluated row and counts it; date10 is the row's date as
 * written (YYYY-MM-DD, as the fast path checked), or NULL. */
static int put_decision(worker *w, chunk *c, const cav_query *q, int32_t month,
                        const char *date10) {
    cav_decision d;
    if (cav_eval(w->a->pack, q, &d) != 0)
        return 1;
    dec_slot *e = decision_slot(w, q, &d);
    if (!e)
        return -1;
    w->verdicts[d.verdict]++;
    if (e->shape >= w->shape_cap) {
        int ncap = w->shape_cap ? w->shape_cap * 2 : 256;
        while (ncap <= e->shape)
            ncap *= 2;
        uint64_t *g = realloc(w->shape_counts, (size_t)ncap * sizeof *g);
        if (!g)
            return -1;
        memset(g + w->shape_cap, 0, (size_t)(ncap - w->shape_cap) * sizeof *g);
        w->shape_counts = g;
        w->shape_cap = ncap;
    }
    w->shape_counts[e->shape]++;
    if (month >= 0 && month < NMONTHS)
        w->months[month][d.verdict]++;
    if (ensure_out(c, e->nfrag + 2) != 0)
        return -1;
    char *o = c->out + c->out_len;
    memcpy(o, w->frags + e->frag, e->nfrag);
    if (e->ndates) {
        char buf[11];
        if (!date10) {
            cav_date_format(q->date, buf);
            date10 = buf;
        }
        for (int i = 0; i < e->ndates; i++)
            memcpy(o + e->dates[i], date10, 10);
    }
    c->out_len += e->nfrag;
    if (e->explain_ok)
        return 0;
    size_t ne = explain(w, q, &d);
    if (ne == (size_t)-1 || ensure_out(c, 6 * ne + 8) != 0)
        return -1;
    if (w->a->out_fmt == FMT_CSV) {
        c->out_len += cav__csv_put(c->out + c->out_len, w->text, ne);
        memcpy(c->out + c->out_len, ",\n", 2);
        c->out_len += 2;
    } else {
        c->out_len += json_put(c->out + c->out_len, w->text, ne);
        memcpy(c->out + c->out_len, "}\n", 2);
        c->out_len += 2;
    }
    return 0;
}

/* A query field's value: a span into the row, or its unquoted copy in buf. */
typedef struct value {
    const char *s;
    size_t n;
} value;

/* The query of a row whose fields the fast path refused: rebuilt as JSON for the reference
 * reader, which names the field. Returns 0 with *q filled, or CAV_EQUERY with field/msg. */
static int slow_query(worker *w, const value *v, cav_query *q, char *field, size_t fsize,
                      char *msg, size_t msize) {
    json_t *root = json_object(), *target = json_object(), *launch = NULL;
    static const int strs[] = {Q_DATE, Q_WEAPON, Q_SUPPLIER, Q_PURPOSE};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (v[strs[i]].n)
            json_object_set_new(root, qnames[strs[i]], json_stringn(v[strs[i]].s, v[strs[i]].n));
    for (int i = Q_TLAT; i <= Q_LLON; i++) {
        if (!v[i].n || i == Q_PURPOSE)
            continue;
        const char *key = strchr(qnames[i], '.') + 1;
        json_t *obj = i <= Q_STATE ? target : (launch ? launch : (launch = json_object()));
        double d;
        if ((i == Q_KIND || i == Q_STATE) || parse_number(v[i].s, v[i].n, &d) != 0)
            json_object_set_new(obj, key, json_stringn(v[i].s, v[i].n));
        else if (isfinite(d))
            json_object_set_new(obj, key, json_real(d));
        else
            json_object_set_new(obj, key, json_stringn(v[i].s, v[i].n));
    }
    json_object_set_new(root, "target", target);
    if (launch)
        json_object_set_new(root, "launch", launch);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!text) {
        snprintf(field, fsize, "%s", "");
        snprintf(msg, msize, "out of memory");
        return CAV_EQUERY;
    }
    char id[8];
    int rc = cav_query_parse_json(w->a->pack, text, strlen(text), q, id, sizeof id, field, fsize,
                                  msg, msize);
    free(text);
    return rc;
}

/* Which (weapon, supplier) pairs the query reader accepts: a weapon with several suppliers and no
 * fixed consent party needs a supplier, and only a recorded one. The reader checks this before
 * the target, so a probe query without a target fails on "supplier" exactly when the pair is
 * refused. The fast path consults the table, so it refuses no less than the reference does. */
static int probe_suppliers(audit *a) {
    const cav_pack *p = a->pack;
    while (cav_pack_weapon_name(p, a->nweapons))
        a->nweapons++;
    while (cav_pack_party_name(p, a->nparties))
        a->nparties++;
    size_t stride = (size_t)a->nparties + 1;
    a->supplier_ok = calloc((size_t)a->nweapons * stride + 1, 1);
    if (!a->supplier_ok)
        return -1;
    for (int w = 0; w < a->nweapons; w++)
        for (int s = -1; s < a->nparties; s++) {
            json_t *q = json_object();
            json_object_set_new(q, "date", json_string("2024-06-01"));
            json_object_set_new(q, "weapon", json_string(cav_pack_weapon_name(p, w)));
            if (s >= 0)
                json_object_set_new(q, "supplier", json_string(cav_pack_party_name(p, s)));
            char *text = json_dumps(q, JSON_COMPACT);
            json_decref(q);
            if (!text)
                return -1;
            cav_query query;
            char id[8], field[64], msg[256];
            int rc = cav_query_parse_json(p, text, strlen(text), &query, id, sizeof id, field,
                                          sizeof field, msg, sizeof msg);
            free(text);
            a->supplier_ok[(size_t)w * stride + (size_t)(s + 1)] =
                rc == 0 || strcmp(field, "supplier") != 0;
        }
    return 0;
}

/* The fast path: 0 and *q, or -1 when some field needs the reference reader's verdict. */
static int fast_query(worker *w, const value *v, cav_query *q, int32_t *month) {
    q->supplier = q->purpose = CAV_MISSING;
    q->state = CAV_STATE_GROUND;
    q->has_launch = 0;
    if (date_days(w, v[Q_DATE].s, v[Q_DATE].n, &q->date, month) != 0)
        return -1;
    if (!v[Q_WEAPON].n || (q->weapon = name_id(w, TAG_WEAPON, v[Q_WEAPON].s, v[Q_WEAPON].n)) < 0)
        return -1;
    if (!v[Q_KIND].n || (q->kind = name_id(w, TAG_KIND, v[Q_KIND].s, v[Q_KIND].n)) < 0)
        return -1;
    if (v[Q_SUPPLIER].n &&
        (q->supplier = name_id(w, TAG_SUPPLIER, v[Q_SUPPLIER].s, v[Q_SUPPLIER].n)) < 0)
        return -1;
    if (!w->a->supplier_ok[(size_t)q->weapon * ((size_t)w->a->nparties + 1) +
                           (size_t)(q->supplier + 1)])
        return -1;
    if (v[Q_PURPOSE].n &&
        (q->purpose = name_id(w, TAG_PURPOSE, v[Q_PURPOSE].s, v[Q_PURPOSE].n)) < 0)
        return -1;
    if (v[Q_STATE].n && (q->state = name_id(w, TAG_STATE, v[Q_STATE].s, v[Q_STATE].n)) < 0)
        return -1;
    if (parse_number(v[Q_TLAT].s, v[Q_TLAT].n, &q->target_lat) != 0 ||
        parse_number(v[Q_TLON].s, v[Q_TLON].n, &q->target_lon) != 0 ||
        !(q->target_lat >= -90 && q->target_lat <= 90) ||
        !(q->target_lon >= -180 && q->target_lon <= 180))
        return -1;
    if (v[Q_LLAT].n || v[Q_LLON].n) {
        if (parse_number(v[Q_LLAT].s, v[Q_LLAT].n, &q->launch_lat) != 0 ||
            parse_number(v[Q_LLON].s, v[Q_LLON].n, &q->launch_lon) != 0 ||
            !(q->launch_lat >= -90 && q->launch_lat <= 90) ||
            !(q->launch_lon >= -180 && q->launch_lon <= 180))
            return -1;
        q->has_launch = 1;
    }
    return 0;
}

/* Decides a row given by its query values and appends its added columns. Returns 0 or -1 (out
 * of memory). */
static int decide_row(worker *w, chunk *c, size_t row, const value *v) {
    cav_query q;
    int32_t month = -1;
    char field[64], msg[512];
    int fast = fast_query(w, v, &q, &month) == 0;
    if (!fast) {
        if (slow_query(w, v, &q, field, sizeof field, msg, sizeof msg) != 0) {
            count_error(w, c, row, field, msg);
            return put_error_columns(w, c, field, msg);
        }
        int32_t days;
        char buf[11];
        cav_date_format(q.date, buf);
        if (date_days(w, buf, 10, &days, &month) != 0)
            month = -1;
    }
    int rc = put_decision(w, c, &q, month, fast ? v[Q_DATE].s : NULL);
    if (rc > 0) {
        /* the evaluator refused what the fast path let through: the reference reader names why */
        if (!fast || slow_query(w, v, &q, field, sizeof field, msg, sizeof msg) == 0) {
            snprintf(field, sizeof field, "%s", "");
            snprintf(msg, sizeof msg, "%s", "the query cannot be evaluated by this pack");
        }
        count_error(w, c, row, field, msg);
        return put_error_columns(w, c, field, msg);
    }
    return rc;
}

/* Writes the first ncols fields of a malformed CSV row, re-quoted and padded, for NDJSON or CSV
 * output, before its error columns. */
static int put_fields_reencoded(worker *w, chunk *c, const cav_csv_span *f, size_t nfields) {
    audit *a = w->a;
    for (int i = 0; i < a->ncols; i++) {
        size_t n = (size_t)i < nfields ? f[i].len : 0;
        if (ensure_out(c, 8 * n + 64 + strlen(a->cols[i]) * 6) != 0)
            return -1;
        char *o = c->out + c->out_len;
        size_t k = 0;
        char *val = w->vals + w->vals_cap / 2;
        size_t vn = (size_t)i < nfields ? cav__csv_unquote(&f[i], val, w->vals_cap / 2) : 0;
        if (a->out_fmt == FMT_CSV) {
            if (i)
                o[k++] = ',';
            k += cav__csv_put(o + k, val, vn);
        } else {
            o[k++] = i ? ',' : '{';
            if (i)
                o[k++] = ' ';
            k += json_put(o + k, a->cols[i], strlen(a->cols[i]));
            o[k++] = ':';
            o[k++] = ' ';
            k += json_put(o + k, val, vn);
        }
        c->out_len += k;
    }
    if (a->out_fmt == FMT_NDJSON) {
        if (ensure_out(c, 4) != 0)
            return -1;
        memcpy(c->out + c->out_len, a->ncols ? ", " : "", a->ncols ? 2 : 0);
        c->out_len += a->ncols ? 2 : 0;
    }
    return 0;
}

static int csv_row(worker *w, chunk *c, size_t ri, const char *s, const cav_csv_row *row) {
    audit *a = w->a;
    const cav_csv_span *f = w->spans;
    char msg[160];
    const char *problem = NULL;
    if (row->unterminated)
        problem = "a quoted field is not closed";
    else if (row->text_len == 0)
        problem = "empty row";
    else if (row->nfields != (size_t)a->ncols) {
        snprintf(msg, sizeof msg, "the row has %zu fields, the header %d", row->nfields, a->ncols);
        problem = msg;
    }
    if (problem) {
        if (row->text_len + 64 > w->vals_cap / 2) {
            char *g = realloc(w->vals, 2 * (row->text_len + 64));
            if (!g)
                return -1;
            w->vals = g;
            w->vals_cap = 2 * (row->text_len + 64);
        }
        count_error(w, c, ri, "", problem);
        if (put_fields_reencoded(w, c, f, row->nfields) != 0)
            return -1;
        return put_error_columns(w, c, "", problem);
    }
    value v[NQ];
    if (row->text_len + 64 > w->vals_cap / 2) {
        size_t ncap = 2 * (row->text_len + 64);
        char *g = realloc(w->vals, ncap);
        if (!g)
            return -1;
        w->vals = g;
        w->vals_cap = ncap;
    }
    char *vals = w->vals;
    for (int i = 0; i < NQ; i++) {
        int col = a->qcol[i];
        if (col < 0) {
            v[i].s = "";
            v[i].n = 0;
            continue;
        }
        if (f[col].quoted) {
            v[i].n = cav__csv_unquote(&f[col], vals, f[col].len);
            v[i].s = vals;
            vals += f[col].len;
        } else {
            v[i].s = f[col].p;
            v[i].n = f[col].len;
        }
        if (v[i].n && (v[i].s[0] == ' ' || v[i].s[0] == '\t' || v[i].s[v[i].n - 1] == ' ' ||
                       v[i].s[v[i].n - 1] == '\t'))
            trim(&v[i].s, &v[i].n);
    }
    if (a->out_fmt == FMT_CSV) {
        if (ensure_out(c, row->text_len + 1) != 0)
            return -1;
        memcpy(c->out + c->out_len, s, row->text_len);
        c->out_len += row->text_len;
    } else if (put_fields_reencoded(w, c, f, row->nfields) != 0) {
        return -1;
    }
    return decide_row(w, c, ri, v);
}

static int csv_chunk(worker *w, chunk *c) {
    const char *p = c->in, *end = c->in + c->in_len;
    size_t ri = 0;
    while (p < end) {
        cav_csv_row row;
        p += cav__csv_row(p, (size_t)(end - p), w->spans, w->nspans, &row);
        if (csv_row(w, c, ri++, p - row.size, &row) != 0)
            return -1;
    }
    c->nrows = ri;
    return 0;
}

/* NDJSON: one query per line; other top-level keys pass through. */
static int ndjson_row(worker *w, chunk *c, size_t ri, const char *s, size_t n) {
    audit *a = w->a;
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    json_error_t jerr;
    json_t *root = n ? json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    char field[64] = "", msg[512];
    cav_query q;
    int rc = -1;
    if (!n)
        snprintf(msg, sizeof msg, "empty line: expected a JSON query");
    else if (!root)
        snprintf(msg, sizeof msg, "not valid JSON: %s (column %d)", jerr.text, jerr.column);
    else if (!json_is_object(root))
        snprintf(msg, sizeof msg, "a query must be a JSON object");
    else
        rc = 0;
    if (rc == 0) {
        json_t *query = json_object();
        for (int i = 0; i <= Q_PURPOSE; i++) {
            char key[16];
            snprintf(key, sizeof key, "%s", qnames[i]);
            char *dot = strchr(key, '.');
            if (dot)
                *dot = '\0';
            json_t *val = json_object_get(root, key);
            if (val)
                json_object_set(query, key, val);
        }
        json_t *launch = json_object_get(root, "launch");
        if (launch)
            json_object_set(query, "launch", launch);
        char *text = json_dumps(query, JSON_COMPACT);
        json_decref(query);
        char id[256];
        rc = text ? cav_query_parse_json(a->pack, text, strlen(text), &q, id, sizeof id, field,
                                         sizeof field, msg, sizeof msg)
                  : CAV_ENOMEM;
        free(text);
        if (rc == CAV_ENOMEM)
            snprintf(msg, sizeof msg, "out of memory");
    }
    /* the row's own columns */
    if (a->out_fmt == FMT_NDJSON) {
        if (ensure_out(c, 6 * n + 32) != 0)
            goto oom;
        char *o = c->out + c->out_len;
        if (root && json_is_object(root)) {
            size_t k = n - 1; /* drop the closing brace */
            memcpy(o, s, k);
            while (k && (o[k - 1] == ' ' || o[k - 1] == '\t'))
                k--;
            if (json_object_size(root)) {
                memcpy(o + k, ", ", 2);
                k += 2;
            }
            c->out_len += k;
        } else {
            memcpy(o, "{\"input\": ", 10);
            size_t k = 10 + json_put(o + 10, s, n);
            memcpy(o + k, ", ", 2);
            c->out_len += k + 2;
        }
    } else {
        for (int i = 0; i < NQ; i++) {
            json_t *val = NULL;
            if (root && json_is_object(root)) {
                char key[16];
                snprintf(key, sizeof key, "%s", qnames[i]);
                char *dot = strchr(key, '.');
                if (dot) {
                    *dot = '\0';
                    json_t *obj = json_object_get(root, key);
                    val = json_is_object(obj) ? json_object_get(obj, dot + 1) : NULL;
                } else {
                    val = json_object_get(root, key);
                }
            }
            char *text = NULL;
            const char *t = "";
            if (json_is_string(val))
                t = json_string_value(val);
            else if (val && !json_is_null(val))
                t = text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
            size_t tn = t ? strlen(t) : 0;
            if (ensure_out(c, 2 * tn + 4) != 0) {
                free(text);
                goto oom;
            }
            if (i)
                c->out[c->out_len++] = ',';
            c->out_len += cav__csv_put(c->out + c->out_len, t ? t : "", tn);
            free(text);
        }
    }
    json_decref(root);
    root = NULL;
    if (rc != 0) {
        count_error(w, c, ri, field, msg);
        return put_error_columns(w, c, field, msg);
    }
    int32_t month = -1, days;
    char buf[11];
    cav_date_format(q.date, buf);
    if (date_days(w, buf, 10, &days, &month) != 0)
        month = -1;
    rc = put_decision(w, c, &q, month, NULL);
    if (rc > 0) {
        count_error(w, c, ri, "", "the query names ids the pack does not have");
        return put_error_columns(w, c, "", "the query names ids the pack does not have");
    }
    return rc;
oom:
    json_decref(root);
    return -1;
}

static int ndjson_chunk(worker *w, chunk *c) {
    const char *p = c->in, *end = c->in + c->in_len;
    size_t ri = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *next = nl ? nl + 1 : end;
        if (ndjson_row(w, c, ri++, p, (size_t)((nl ? nl : end) - p)) != 0)
            return -1;
        p = next;
    }
    c->nrows = ri;
    return 0;
}

static int process_chunk(worker *w, chunk *c) {
    c->out_len = 0;
    c->nrows = c->nerrors = 0;
    c->nsamples = 0;
    if (c->special == SPECIAL_TOOLONG) {
        const char *problem = "the row is longer than 1 MiB";
        c->nrows = 1;
        count_error(w, c, 0, "", problem);
        if (w->a->out_fmt == FMT_CSV) {
            if (ensure_out(c, (size_t)w->a->ncols + 1) != 0)
                return -1;
            for (int i = 1; i < w->a->ncols; i++)
                c->out[c->out_len++] = ',';
        } else if (ensure_out(c, 2) != 0) {
            return -1;
        } else {
            c->out[c->out_len++] = '{';
        }
        return put_error_columns(w, c, "", problem);
    }
    int rc = w->a->in_fmt == FMT_CSV ? csv_chunk(w, c) : ndjson_chunk(w, c);
    w->rows += c->nrows;
    return rc;
}

static void fail(audit *a, const char *fmt, const char *arg) {
    pthread_mutex_lock(&a->mu);
    if (!a->failed) {
        a->failed = 1;
        snprintf(a->fail_msg, sizeof a->fail_msg, fmt, arg);
    }
    pthread_cond_broadcast(&a->cv_ready);
    pthread_cond_broadcast(&a->cv_done);
    pthread_cond_broadcast(&a->cv_free);
    pthread_mutex_unlock(&a->mu);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    audit *a = w->a;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        chunk *next = NULL;
        for (int i = 0; i < a->nchunks; i++)
            if (a->chunks[i].state == CH_READY && (!next || a->chunks[i].seq < next->seq))
                next = &a->chunks[i];
        if (a->failed || (!next && a->reader_done))
            break;
        if (!next) {
            pthread_cond_wait(&a->cv_ready, &a->mu);
            continue;
        }
        next->state = CH_BUSY;
        pthread_mutex_unlock(&a->mu);
        int rc = process_chunk(w, next);
        if (rc != 0)
            fail(a, "caveat audit: %s", "out of memory");
        pthread_mutex_lock(&a->mu);
        next->state = CH_DONE;
        pthread_cond_broadcast(&a->cv_done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* ---- reading ---------------------------------------------------------------------------------- */

typedef struct reader {
    audit *a;
    pthread_t thread;
    int fd, file;
    const char *name;
    char *carry;
    size_t ncarry, carry_cap;
    int eof;
    uint64_t consumed; /* bytes of all inputs taken into chunks */
} reader;

/* Reads into *buf until it holds at least want bytes or the input ends. */
static int fill(reader *r, char **buf, size_t *len, size_t *cap, size_t want) {
    if (reserve(buf, cap, 0, want) != 0)
        return -1;
    while (*len < want && !r->eof) {
        ssize_t got = read(r->fd, *buf + *len, want - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            r->eof = 1;
        *len += (size_t)got;
    }
    return 0;
}

static size_t complete_rows(const audit *a, const char *s, size_t len) {
    if (a->in_fmt == FMT_CSV)
        return cav__csv_complete(s, len);
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == '\n')
            return i;
    return 0;
}

static int open_input(reader *r, int file) {
    const audit_opts *o = r->a->o;
    r->file = file;
    r->eof = 0;
    r->ncarry = 0;
    r->name = o->ninputs ? o->inputs[file] : "-";
    if (strcmp(r->name, "-") == 0) {
        r->fd = 0;
        r->name = "<stdin>";
        return 0;
    }
    r->fd = open(r->name, O_RDONLY);
    return r->fd < 0 ? -1 : 0;
}

/* Splits the header row of a CSV input into names (unquoted). Returns the column count or -1. */
static int split_header(const char *s, size_t len, char ***names) {
    cav_csv_span *f = malloc(MAX_COLS * sizeof *f);
    cav_csv_row row;
    if (!f)
        return -1;
    cav__csv_row(s, len, f, MAX_COLS, &row);
    if (row.nfields > MAX_COLS || row.unterminated) {
        free(f);
        return -1;
    }
    char **v = calloc(row.nfields, sizeof *v);
    for (size_t i = 0; v && i < row.nfields; i++) {
        v[i] = malloc(f[i].len + 1);
        if (!v[i])
            break;
        size_t n = cav__csv_unquote(&f[i], v[i], f[i].len);
        v[i][n] = '\0';
        const char *t = v[i];
        trim(&t, &n);
        memmove(v[i], t, n);
        v[i][n] = '\0';
    }
    free(f);
    *names = v;
    return v ? (int)row.nfields : -1;
}

/* Reads the header row of the current CSV input into the audit (first input) or checks that it is
 * the first input's. Returns 0, or -1 with a message printed. */
static int read_header(reader *r) {
    audit *a = r->a;
    size_t cut = 0;
    for (size_t want = 65536;; want *= 2) {
        if (fill(r, &r->carry, &r->ncarry, &r->carry_cap, want) != 0) {
            fprintf(stderr, "caveat audit: %s: %s\n", r->name, strerror(errno));
            return -1;
        }
        if (r->ncarry) {
            cav_csv_row row;
            cut = cav__csv_row(r->carry, r->ncarry, NULL, 0, &row);
            if (row.unterminated || r->carry[cut - 1] != '\n')
                cut = 0; /* the header row is not complete yet */
        }
        if (cut || r->eof || want > MAX_ROW)
            break;
    }
    if (!cut)
        cut = r->ncarry;
    size_t skip = r->ncarry >= 3 && memcmp(r->carry, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    if (cut <= skip) {
        fprintf(stderr, "caveat audit: %s: empty input, expected a header row\n", r->name);
        return -1;
    }
    char **names;
    int n = split_header(r->carry + skip, cut - skip, &names);
    if (n < 0) {
        fprintf(stderr, "caveat audit: %s: cannot read the header row\n", r->name);
        return -1;
    }
    int rc = 0;
    if (!a->cols) {
        a->cols = names;
        a->ncols = n;
        for (int q = 0; q < NQ; q++) {
            a->qcol[q] = -1;
            for (int i = 0; i < n; i++)
                if (cav__streqi(names[i], qnames[q]))
                    a->qcol[q] = i;
        }
        for (int i = 0; i < n && rc == 0; i++)
            for (size_t k = 0; k < sizeof added_names / sizeof added_names[0]; k++)
                if (cav__streqi(names[i], added_names[k])) {
                    fprintf(stderr,
                            "caveat audit: %s: the input already has a '%s' column (an audit's "
                            "output?); remove the added columns first\n",
                            r->name, names[i]);
                    rc = -1;
                }
        static const int required[] = {Q_DATE, Q_WEAPON, Q_TLAT, Q_TLON, Q_KIND};
        for (size_t k = 0; k < sizeof required / sizeof required[0] && rc == 0; k++)
            if (a->qcol[required[k]] < 0) {
                fprintf(stderr, "caveat audit: %s: the header has no '%s' column\n", r->name,
                        qnames[required[k]]);
                rc = -1;
            }
        size_t end = cut - skip;
        while (end && (r->carry[skip + end - 1] == '\n' || r->carry[skip + end - 1] == '\r'))
            end--;
        a->header_line = malloc(end + 1);
        if (a->header_line) {
            memcpy(a->header_line, r->carry + skip, end);
            a->header_len = end;
        }
    } else {
        int same = n == a->ncols;
        for (int i = 0; same && i < n; i++)
            same = strcmp(names[i], a->cols[i]) == 0;
        for (int i = 0; i < n; i++)
            free(names[i]);
        free(names);
        if (!same) {
            fprintf(stderr, "caveat audit: %s: its header differs from the first input's\n",
                    r->name);
            rc = -1;
        }
    }
    memmove(r->carry, r->carry + cut, r->ncarry - cut);
    r->ncarry -= cut;
    r->consumed += cut;
    return rc;
}

static chunk *free_chunk(audit *a) {
    pthread_mutex_lock(&a->mu);
    chunk *c = NULL;
    while (!a->failed) {
        for (int i = 0; i < a->nchunks && !c; i++)
            if (a->chunks[i].state == CH_FREE)
                c = &a->chunks[i];
        if (c)
            break;
        pthread_cond_wait(&a->cv_free, &a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return c;
}

static void submit(audit *a, chunk *c) {
    pthread_mutex_lock(&a->mu);
    c->seq = a->nread++;
    c->state = CH_READY;
    pthread_cond_broadcast(&a->cv_ready);
    pthread_mutex_unlock(&a->mu);
}

/* Cuts the current input into chunks. Returns 0 at its end, -1 on failure (reported). */
static int read_input(reader *r) {
    audit *a = r->a;
    while (!(r->eof && r->ncarry == 0)) {
        chunk *c = free_chunk(a);
        if (!c)
            return -1;
        c->special = SPECIAL_NONE;
        c->file = r->file;
        c->in_len = 0;
        if (reserve(&c->in, &c->in_cap, 0, r->ncarry + 1) != 0)
            goto oom;
        if (r->ncarry)
            memcpy(c->in, r->carry, r->ncarry);
        c->in_len = r->ncarry;
        size_t cut = 0;
        for (size_t want = CHUNK_BYTES;; want += CHUNK_BYTES) {
            if (fill(r, &c->in, &c->in_len, &c->in_cap, want) != 0)
                goto io;
            cut = r->eof ? c->in_len : complete_rows(a, c->in, c->in_len);
            if (cut || c->in_len < want)
                break;
            if (c->in_len >= MAX_ROW + CHUNK_BYTES)
                break;
        }
        if (!cut) {
            /* no row ends within the limit: a CSV row with an open quote is cut at its first
             * newline (its error says so); a row with no newline at all is dropped up to its end */
            const char *nl = memchr(c->in, '\n', c->in_len);
            if (nl && (size_t)(nl - c->in) < MAX_ROW) {
                cut = (size_t)(nl - c->in) + 1;
            } else {
                c->special = SPECIAL_TOOLONG;
                for (;;) {
                    nl = memchr(c->in, '\n', c->in_len);
                    if (nl || r->eof)
                        break;
                    r->consumed += c->in_len;
                    c->in_len = 0;
                    if (fill(r, &c->in, &c->in_len, &c->in_cap, CHUNK_BYTES) != 0)
                        goto io;
                }
                cut = nl ? (size_t)(nl - c->in) + 1 : c->in_len;
            }
        }
        if (reserve(&r->carry, &r->carry_cap, 0, c->in_len - cut + 1) != 0)
            goto oom;
        r->ncarry = c->in_len - cut;
        memcpy(r->carry, c->in + cut, r->ncarry);
        c->in_len = c->special ? 0 : cut;
        r->consumed += cut;
        c->bytes_end = r->consumed;
        if (c->in_len == 0 && !c->special) {
            pthread_mutex_lock(&a->mu);
            c->state = CH_FREE;
            pthread_mutex_unlock(&a->mu);
            continue;
        }
        submit(a, c);
    }
    return 0;
io:
    fail(a, "caveat audit: read error: %s", strerror(errno));
    return -1;
oom:
    fail(a, "caveat audit: %s", "out of memory");
    return -1;
}

static void *reader_main(void *arg) {
    reader *r = arg;
    audit *a = r->a;
    int nfiles = a->o->ninputs ? a->o->ninputs : 1;
    int rc = read_input(r);
    for (int f = r->file + 1; rc == 0 && f < nfiles; f++) {
        if (r->fd > 0)
            close(r->fd);
        if (open_input(r, f) != 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: %s", a->o->inputs[f], strerror(errno));
            fail(a, "caveat audit: %s", msg);
            rc = -1;
            break;
        }
        if (a->in_fmt == FMT_CSV && read_header(r) != 0) {
            fail(a, "%s", "");
            rc = -1;
            break;
        }
        rc = read_input(r);
    }
    if (r->fd > 0)
        close(r->fd);
    r->fd = -1;
    pthread_mutex_lock(&a->mu);
    a->reader_done = 1;
    pthread_cond_broadcast(&a->cv_ready);
    pthread_cond_broadcast(&a->cv_done);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* ---- writing -------------------------------------------------------------------------------- */

static char tmp_path[4096]; /* the temporary output, removed on SIGINT/SIGTERM */
static char tmp_summary[4096];

static void on_signal(int sig) {
    if (tmp_path[0])
        unlink(tmp_path);
    if (tmp_summary[0])
        unlink(tmp_summary);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int write_all(int fd, const char *s, size_t n) {
    while (n) {
        ssize_t k = write(fd, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Opens a temporary file next to path (same directory, so rename is atomic). */
static int open_temp(const char *path, char *tmp, size_t size) {
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    int n = snprintf(tmp, size, "%.*s.%s.part.XXXXXX", dirlen, path, slash ? slash + 1 : path);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return fd;
}

typedef struct progress {
    int on;
    double start, last;
    uint64_t rows;
} progress;

static void show_progress(const audit *a, progress *pg, uint64_t bytes, int final) {
    double t = now_s();
    if (!pg->on || (!final && t - pg->last < 0.2))
        return;
    pg->last = t;
    double el = t - pg->start, rate = el > 0 ? (double)pg->rows / el : 0;
    if (final) {
        fputs("\r\033[K", stderr);
        return;
    }
    if (a->total_known && a->total_bytes) {
        double frac = (double)bytes / (double)a->total_bytes;
        double eta = frac > 0 ? el / frac - el : 0;
        fprintf(stderr, "\r\033[K  %llu rows  %.2f M rows/s  %3.0f%%  ETA %d:%02d",
                (unsigned long long)pg->rows, rate / 1e6, 100 * frac, (int)eta / 60,
                (int)eta % 60);
    } else {
        fprintf(stderr, "\r\033[K  %llu rows  %.2f M rows/s", (unsigned long long)pg->rows,
                rate / 1e6);
    }
}

/* Writes finished chunks in order until the input ends. Fills rows_out and the error samples. */
static int write_chunks(audit *a, int fd, progress *pg, uint64_t *rows_out, err_sample *samples,
                        int *nsamples) {
    uint64_t next = 0;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        chunk *c = NULL;
        for (;;) {
            if (a->failed)
                break;
            for (int i = 0; i < a->nchunks && !c; i++)
                if (a->chunks[i].state == CH_DONE && a->chunks[i].seq == next)
                    c = &a->chunks[i];
            if (c || (a->reader_done && next == a->nread))
                break;
            pthread_cond_wait(&a->cv_done, &a->mu);
        }
        pthread_mutex_unlock(&a->mu);
        if (!c)
            return a->failed ? -1 : 0;
        if (write_all(fd, c->out, c->out_len) != 0) {
            fail(a, "caveat audit: write error: %s", strerror(errno));
            return -1;
        }
        for (int i = 0; i < c->nsamples && *nsamples < SAMPLES; i++) {
            samples[*nsamples] = c->samples[i];
            samples[(*nsamples)++].row += *rows_out + 1;
        }
        *rows_out += c->nrows;
        pg->rows = *rows_out;
        show_progress(a, pg, c->bytes_end, 0);
        pthread_mutex_lock(&a->mu);
        c->state = CH_FREE;
        next++;
        pthread_cond_broadcast(&a->cv_free);
        pthread_mutex_unlock(&a->mu);
    }
}

static int write_header(audit *a, int fd) {
    if (a->out_fmt != FMT_CSV)
        return 0;
    size_t cap = a->header_len + 128;
    for (int i = 0; a->in_fmt != FMT_CSV && i < a->ncols; i++)
        cap += strlen(a->cols[i]) + 1;
    char *h = malloc(cap);
    if (!h)
        return -1;
    size_t k = 0;
    if (a->in_fmt == FMT_CSV) {
        memcpy(h, a->header_line, a->header_len);
        k = a->header_len;
    } else {
        for (int i = 0; i < a->ncols; i++)
            k += (size_t)sprintf(h + k, "%s%s", i ? "," : "", a->cols[i]);
    }
    k += (size_t)sprintf(h + k, ",decision,parties,rule,explanation,error\n");
    int rc = write_all(fd, h, k);
    free(h);
    return rc;
}

/* ---- summary -------------------------------------------------------------------------------- */

typedef struct reason {
    char *text;
    uint64_t rows;
} reason;

static int cmp_reason(const void *x, const void *y) {
    const reason *a = x, *b = y;
    if (a->rows != b->rows)
        return a->rows < b->rows ? 1 : -1;
    return strcmp(a->text, b->text);
}

/* Totals over all workers, by shape, for the summary. */
typedef struct totals {
    uint64_t rows_in, rows_out, errors, verdicts[3];
    uint64_t *party;       /* nparties x 3 */
    uint64_t *rule;        /* nrules + 2 (default-deny, no-rules-in-force) */
    uint64_t (*months)[3];
    uint64_t err_fields[NQ + 2];
    reason *reasons;
    int nreasons;
    double seconds;
} totals;

static int party_count(const cav_pack *p) {
    int n = 0;
    while (cav_pack_party_name(p, n))
        n++;
    return n;
}

static void add_reason(totals *t, const char *text, uint64_t rows) {
    for (int i = 0; i < t->nreasons; i++)
        if (strcmp(t->reasons[i].text, text) == 0) {
            t->reasons[i].rows += rows;
            return;
        }
    reason *g = realloc(t->reasons, (size_t)(t->nreasons + 1) * sizeof *g);
    if (!g)
        return;
    t->reasons = g;
    t->reasons[t->nreasons].text = strdup(text);
    t->reasons[t->nreasons++].rows = rows;
}

static int make_totals(audit *a, worker *ws, int nw, totals *t) {
    const cav_pack *p = a->pack;
    int np = party_count(p), nr = cav_pack_rule_count(p);
    t->party = calloc((size_t)np * 3, sizeof *t->party);
    t->rule = calloc((size_t)nr + 2, sizeof *t->rule);
    t->months = calloc(NMONTHS, sizeof *t->months);
    if (!t->party || !t->rule || !t->months)
        return -1;
    for (int i = 0; i < nw; i++) {
        worker *w = &ws[i];
        t->rows_in += w->rows;
        t->errors += w->errors;
        for (int v = 0; v < 3; v++)
            t->verdicts[v] += w->verdicts[v];
        for (int f = 0; f < NQ + 2; f++)
            t->err_fields[f] += w->err_fields[f];
        for (int m = 0; m < NMONTHS; m++)
            for (int v = 0; v < 3; v++)
                t->months[m][v] += w->months[m][v];
    }
    for (int s = 0; s < a->nshapes; s++) {
        uint64_t rows = 0;
        for (int i = 0; i < nw; i++)
            if (s < ws[i].shape_cap)
                rows += ws[i].shape_counts[s];
        if (!rows)
            continue;
        const uint16_t *k = a->shapes[s].key;
        int verdict = k[0] & 3, nparties = k[0] >> 2, at = 1;
        char text[1024] = "";
        size_t tl = 0;
        uint16_t counted[CAV_MAX_PARTIES * CAV_MAX_DECIDING];
        int ncounted = 0;
        for (int i = 0; i < nparties; i++) {
            int party = k[at], pv = k[at + 1] & 3, basis = (k[at + 1] >> 2) & 3;
            int nrules = k[at + 1] >> 4;
            const uint16_t *rules = k + at + 3;
            at += 3 + nrules;
            if (party < np)
                t->party[party * 3 + pv] += rows;
            if (pv == verdict) {
                if (basis == CAV_BASIS_DEFAULT)
                    t->rule[nr] += rows;
                else if (basis == CAV_BASIS_NONE)
                    t->rule[nr + 1] += rows;
                for (int r = 0; r < nrules; r++) {
                    int dup = 0; /* a rule of several parties counts once per row */
                    for (int c = 0; c < ncounted; c++)
                        dup |= counted[c] == rules[r];
                    if (!dup) {
                        counted[ncounted++] = rules[r];
                        t->rule[rules[r]] += rows;
                    }
                }
            }
            if (verdict == CAV_PROHIBITED && pv == CAV_PROHIBITED && tl < sizeof text - 200) {
                tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s%s: ", tl ? "; " : "",
                                       cav_pack_party_name(p, party));
                if (basis == CAV_BASIS_DEFAULT)
                    tl += (size_t)snprintf(text + tl, sizeof text - tl, "no permit (default deny)");
                for (int r = 0; r < nrules && tl < sizeof text - 100; r++)
                    tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s%s", r ? ", " : "",
                                           cav_pack_rule_name(p, rules[r]));
            }
        }
        if (verdict == CAV_PROHIBITED)
            add_reason(t, text, rows);
    }
    if (t->nreasons)
        qsort(t->reasons, (size_t)t->nreasons, sizeof *t->reasons, cmp_reason);
    return 0;
}

static void month_name(int m, char *buf) {
    int y = (m + MONTH_BASE) / 12, mo = (m + MONTH_BASE) % 12 + 1;
    snprintf(buf, 16, "%04d-%02d", y % 10000, mo % 100);
}

static const char *const verdicts3[3] = {"permitted", "prohibited", "unknown"};

static json_t *summary_json(audit *a, const totals *t, const err_sample *samples, int nsamples) {
    const cav_pack *p = a->pack;
    json_t *s = json_object(), *o;
    json_object_set_new(s, "rows_in", json_integer((json_int_t)t->rows_in));
    json_object_set_new(s, "rows_out", json_integer((json_int_t)t->rows_out));
    json_object_set_new(s, "seconds", json_real(t->seconds));
    json_object_set_new(s, "rows_per_second",
                        json_real(t->seconds > 0 ? (double)t->rows_out / t->seconds : 0));
    o = json_object();
    for (int v = 0; v < 3; v++)
        json_object_set_new(o, verdicts3[v], json_integer((json_int_t)t->verdicts[v]));
    json_object_set_new(o, "error", json_integer((json_int_t)t->errors));
    json_object_set_new(s, "decisions", o);
    o = json_object();
    for (int i = 0, np = party_count(p); i < np; i++) {
        const uint64_t *c = t->party + i * 3;
        if (!c[0] && !c[1] && !c[2])
            continue;
        json_t *po = json_object();
        for (int v = 0; v < 3; v++)
            json_object_set_new(po, verdicts3[v], json_integer((json_int_t)c[v]));
        json_object_set_new(o, cav_pack_party_name(p, i), po);
    }
    json_object_set_new(s, "parties", o);
    o = json_object();
    int nr = cav_pack_rule_count(p);
    for (int r = 0; r < nr + 2; r++)
        if (t->rule[r])
            json_object_set_new(o,
                                r < nr       ? cav_pack_rule_name(p, r)
                                : r == nr    ? "default-deny"
                                             : "no-rules-in-force",
                                json_integer((json_int_t)t->rule[r]));
    json_object_set_new(s, "rules", o);
    o = json_object();
    for (int m = 0; m < NMONTHS; m++) {
        if (!t->months[m][0] && !t->months[m][1] && !t->months[m][2])
            continue;
        char name[16];
        month_name(m, name);
        json_t *mo = json_object();
        for (int v = 0; v < 3; v++)
            json_object_set_new(mo, verdicts3[v], json_integer((json_int_t)t->months[m][v]));
        json_object_set_new(o, name, mo);
    }
    json_object_set_new(s, "months", o);
    json_t *e = json_object(), *bf = json_object(), *first = json_array();
    json_object_set_new(e, "rows", json_integer((json_int_t)t->errors));
    for (int f = 0; f < NQ + 2; f++)
        if (t->err_fields[f])
            json_object_set_new(bf, f < NQ ? qnames[f] : f == NQ ? "(row)" : "(other)",
                                json_integer((json_int_t)t->err_fields[f]));
    json_object_set_new(e, "by_field", bf);
    for (int i = 0; i < nsamples; i++) {
        const err_sample *x = &samples[i];
        json_t *so = json_object();
        const char *file = a->o->ninputs ? a->o->inputs[x->file] : "-";
        json_object_set_new(so, "input", json_string(file));
        json_object_set_new(so, "row", json_integer((json_int_t)x->row));
        json_object_set_new(so, "field", x->field[0] ? json_string(x->field) : json_null());
        json_object_set_new(so, "message", json_string(x->message));
        json_array_append_new(first, so);
    }
    json_object_set_new(e, "first", first);
    json_object_set_new(s, "errors", e);
    json_t *top = json_array();
    for (int i = 0; i < t->nreasons && i < 10; i++) {
        json_t *ro = json_object();
        json_object_set_new(ro, "reason", json_string(t->reasons[i].text));
        json_object_set_new(ro, "rows", json_integer((json_int_t)t->reasons[i].rows));
        json_array_append_new(top, ro);
    }
    json_object_set_new(s, "top_prohibited_reasons", top);
    return s;
}

static void pct(FILE *f, const char *name, uint64_t n, uint64_t total) {
    fprintf(f, " %s %llu (%.1f%%)", name, (unsigned long long)n,
            total ? 100.0 * (double)n / (double)total : 0.0);
}

static void summary_text(audit *a, const totals *t, const err_sample *samples, int nsamples) {
    const cav_pack *p = a->pack;
    FILE *f = stderr;
    fprintf(f, "caveat audit: %llu rows in, %llu rows out in %.2f s (%.2f M rows/s)\n",
            (unsigned long long)t->rows_in, (unsigned long long)t->rows_out, t->seconds,
            t->seconds > 0 ? (double)t->rows_out / t->seconds / 1e6 : 0.0);
    fputs("  decisions:", f);
    for (int v = 0; v < 3; v++)
        pct(f, verdicts3[v], t->verdicts[v], t->rows_in);
    pct(f, "error", t->errors, t->rows_in);
    fputs("\n  by party:\n", f);
    for (int i = 0, np = party_count(p); i < np; i++) {
        const uint64_t *c = t->party + i * 3;
        if (c[0] || c[1] || c[2])
            fprintf(f, "    %-4s permitted %llu, prohibited %llu, unknown %llu\n",
                    cav_pack_party_name(p, i), (unsigned long long)c[0],
                    (unsigned long long)c[1], (unsigned long long)c[2]);
    }
    fputs("  by rule:\n", f);
    int nr = cav_pack_rule_count(p);
    for (int r = 0; r < nr + 2; r++)
        if (t->rule[r])
            fprintf(f, "    %10llu  %s\n", (unsigned long long)t->rule[r],
                    r < nr ? cav_pack_rule_name(p, r) : r == nr ? "default-deny" : "no-rules-in-force");
    fputs("  by month (permitted/prohibited/unknown):\n", f);
    int col = 0;
    for (int m = 0; m < NMONTHS; m++) {
        if (!t->months[m][0] && !t->months[m][1] && !t->months[m][2])
            continue;
        char name[16];
        month_name(m, name);
        fprintf(f, "%s%s %llu/%llu/%llu", col % 3 ? "   " : "    ", name,
                (unsigned long long)t->months[m][0], (unsigned long long)t->months[m][1],
                (unsigned long long)t->months[m][2]);
        if (++col % 3 == 0)
            fputc('\n', f);
    }
    if (col % 3)
        fputc('\n', f);
    if (t->errors) {
        fprintf(f, "  errors: %llu rows;", (unsigned long long)t->errors);
        for (int i = 0; i < NQ + 2; i++)
            if (t->err_fields[i])
                fprintf(f, " %s %llu", i < NQ ? qnames[i] : i == NQ ? "(row)" : "(other)",
                        (unsigned long long)t->err_fields[i]);
        fputc('\n', f);
        for (int i = 0; i < nsamples; i++)
            fprintf(f, "    %s row %zu: %s%s%s\n",
                    a->o->ninputs ? a->o->inputs[samples[i].file] : "<stdin>", samples[i].row,
                    samples[i].field, samples[i].field[0] ? ": " : "", samples[i].message);
    }
    if (t->nreasons) {
        fputs("  top reasons for prohibited rows:\n", f);
        for (int i = 0; i < t->nreasons && i < 10; i++)
            fprintf(f, "    %10llu  %s\n", (unsigned long long)t->reasons[i].rows,
                    t->reasons[i].text);
    }
}

static int write_summary(audit *a, const totals *t, const err_sample *samples, int nsamples) {
    json_t *s = summary_json(a, t, samples, nsamples);
    int fd = open_temp(a->o->summary, tmp_summary, sizeof tmp_summary);
    int rc = -1;
    if (fd >= 0) {
        char *text = json_dumps(s, JSON_INDENT(2));
        rc = text && write_all(fd, text, strlen(text)) == 0 && write_all(fd, "\n", 1) == 0 ? 0
                                                                                        : -1;
        free(text);
        if (close(fd) != 0)
            rc = -1;
        if (rc == 0)
            rc = rename(tmp_summary, a->o->summary);
        if (rc != 0)
            unlink(tmp_summary);
        tmp_summary[0] = '\0';
    }
    json_decref(s);
    if (rc != 0)
        fprintf(stderr, "caveat audit: cannot write %s: %s\n", a->o->summary, strerror(errno));
    return rc;
}

/* ---- the command ------------------------------------------------------------------------------ */

static int parse_args(int argc, char **argv, audit_opts *o) {
    o->inputs = calloc((size_t)argc, sizeof *o->inputs);
    if (!o->inputs)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], **slot = NULL, *threads = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(audit_help, stdout);
            return 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = 1;
            continue;
        } else if (strcmp(a, "--policy") == 0) {
            if (o->npolicies == 64) {
                fputs("caveat audit: too many --policy\n", stderr);
                return -1;
            }
            slot = &o->policies[o->npolicies++];
        } else if (strcmp(a, "--format") == 0) slot = &o->format;
        else if (strcmp(a, "--input-format") == 0) slot = &o->input_format;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) slot = &o->output;
        else if (strcmp(a, "--summary") == 0) slot = &o->summary;
        else if (strcmp(a, "--threads") == 0) slot = &threads;
        else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "caveat audit: unknown option '%s' (see caveat audit --help)\n", a);
            return -1;
        } else {
            o->inputs[o->ninputs++] = a;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "caveat audit: %s needs a value\n", a);
            return -1;
        }
        *slot = argv[++i];
        if (threads) {
            char *end;
            long n = strtol(threads, &end, 10);
            if (*end || n < 1 || n > 256) {
                fprintf(stderr, "caveat audit: --threads must be 1 to 256, not '%s'\n", threads);
                return -1;
            }
            o->threads = (int)n;
        }
    }
    static const char *const fmts[] = {"csv", "ndjson"};
    const char *given[2] = {o->format, o->input_format};
    for (int k = 0; k < 2; k++)
        if (given[k] && strcmp(given[k], fmts[0]) != 0 && strcmp(given[k], fmts[1]) != 0) {
            fprintf(stderr, "caveat audit: %s must be csv or ndjson, not '%s'\n",
                    k ? "--input-format" : "--format", given[k]);
            return -1;
        }
    return 0;
}

static int has_ext(const char *path, const char *ext) {
    size_t n = strlen(path), e = strlen(ext);
    return n > e && cav__streqi(path + n - e, ext);
}

/* Sets up the input and output formats, the first input and its header. */
static int setup(audit *a, reader *r) {
    const audit_opts *o = a->o;
    const char *first = o->ninputs ? o->inputs[0] : "-";
    if (o->input_format)
        a->in_fmt = strcmp(o->input_format, "ndjson") == 0 ? FMT_NDJSON : FMT_CSV;
    else
        a->in_fmt = has_ext(first, ".ndjson") || has_ext(first, ".jsonl") ? FMT_NDJSON : FMT_CSV;
    if (o->format)
        a->out_fmt = strcmp(o->format, "ndjson") == 0 ? FMT_NDJSON : FMT_CSV;
    else if (o->output && (has_ext(o->output, ".ndjson") || has_ext(o->output, ".jsonl")))
        a->out_fmt = FMT_NDJSON;
    else if (o->output && has_ext(o->output, ".csv"))
        a->out_fmt = FMT_CSV;
    else
        a->out_fmt = a->in_fmt;
    for (int i = 0; i < o->ninputs; i++) {
        struct stat st;
        if (strcmp(o->inputs[i], "-") == 0 || stat(o->inputs[i], &st) != 0 ||
            !S_ISREG(st.st_mode)) {
            a->total_known = 0;
            break;
        }
        a->total_bytes += (uint64_t)st.st_size;
        a->total_known = 1;
    }
    if (open_input(r, 0) != 0) {
        fprintf(stderr, "caveat audit: %s: %s\n", first, strerror(errno));
        return -1;
    }
    if (a->in_fmt == FMT_CSV)
        return read_header(r);
    a->ncols = NQ;
    a->cols = calloc(NQ, sizeof *a->cols);
    if (!a->cols)
        return -1;
    for (int i = 0; i < NQ; i++)
        a->cols[i] = strdup(qnames[i]);
    return 0;
}

static int init_worker(audit *a, worker *w) {
    w->a = a;
    w->nspans = (size_t)a->ncols + 1;
    w->spans = calloc(w->nspans, sizeof *w->spans);
    w->vals_cap = 2 * 65536;
    w->vals = malloc(w->vals_cap);
    w->decs = calloc(DEC_SLOTS, sizeof *w->decs);
    w->months = calloc(NMONTHS, sizeof *w->months);
    return w->spans && w->vals && w->decs && w->months ? 0 : -1;
}

static void free_worker(worker *w) {
    free(w->spans);
    free(w->vals);
    free(w->decs);
    free(w->frags);
    free(w->text);
    free(w->shape_counts);
    free(w->months);
}

/* Runs the pipeline: reader thread, workers, the caller writing. Returns 0 or -1. */
static int run(audit *a, reader *r, worker *ws, int nw, int fd, progress *pg, totals *t,
               err_sample *samples, int *nsamples) {
    a->nchunks = 2 * nw + 2;
    a->chunks = calloc((size_t)a->nchunks, sizeof *a->chunks);
    if (!a->chunks)
        return -1;
    int started = 0, reader_started = 0, rc = 0;
    for (; started < nw; started++)
        if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0)
            break;
    if (started < nw || pthread_create(&r->thread, NULL, reader_main, r) != 0)
        fail(a, "caveat audit: %s", "cannot start threads");
    else
        reader_started = 1;
    rc = write_chunks(a, fd, pg, &t->rows_out, samples, nsamples);
    if (reader_started)
        pthread_join(r->thread, NULL);
    for (int i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    for (int i = 0; i < a->nchunks; i++) {
        free(a->chunks[i].in);
        free(a->chunks[i].out);
    }
    free(a->chunks);
    return rc || a->failed ? -1 : 0;
}

int cmd_audit(int argc, char **argv) {
    audit_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        free(o.inputs);
        return rc > 0 ? CLI_OK : CLI_USAGE;
    }
    if (o.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
    }
    audit a = {.o = &o};
    reader r = {.a = &a, .fd = -1};
    worker *ws = NULL;
    int fd = 1, status = CLI_USAGE;
    totals t = {0};
    err_sample samples[SAMPLES];
    int nsamples = 0;
    pthread_mutex_init(&a.mu, NULL);
    pthread_mutex_init(&a.shape_mu, NULL);
    pthread_cond_init(&a.cv_ready, NULL);
    pthread_cond_init(&a.cv_done, NULL);
    pthread_cond_init(&a.cv_free, NULL);
    cav_pack *pack = cli_load_pack(o.policies, o.npolicies, 0);
    if (!pack)
        goto cleanup;
    a.pack = pack;
    if (setup(&a, &r) != 0)
        goto cleanup;
    if (probe_suppliers(&a) != 0) {
        fputs("caveat audit: out of memory\n", stderr);
        goto cleanup;
    }
    ws = calloc((size_t)o.threads, sizeof *ws);
    for (int i = 0; ws && i < o.threads; i++)
        if (init_worker(&a, &ws[i]) != 0) {
            fputs("caveat audit: out of memory\n", stderr);
            goto cleanup;
        }
    if (!ws)
        goto cleanup;
    if (o.output && strcmp(o.output, "-") != 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        fd = open_temp(o.output, tmp_path, sizeof tmp_path);
        if (fd < 0) {
            fprintf(stderr, "caveat audit: cannot write %s: %s\n", o.output, strerror(errno));
            tmp_path[0] = '\0';
            goto cleanup;
        }
    }
    progress pg = {.on = !o.quiet && isatty(2), .start = now_s()};
    double t0 = now_s();
    if (write_header(&a, fd) != 0 ||
        run(&a, &r, ws, o.threads, fd, &pg, &t, samples, &nsamples) != 0) {
        if (a.fail_msg[0])
            fprintf(stderr, "%s\n", a.fail_msg);
        else if (!a.failed)
            fprintf(stderr, "caveat audit: write error: %s\n", strerror(errno));
        goto cleanup;
    }
    if (fd != 1) {
        int closed = close(fd);
        fd = 1;
        if (closed != 0 || rename(tmp_path, o.output) != 0) {
            fprintf(stderr, "caveat audit: cannot write %s: %s\n", o.output, strerror(errno));
            goto cleanup;
        }
        tmp_path[0] = '\0';
    }
    t.seconds = now_s() - t0;
    show_progress(&a, &pg, 0, 1);
    if (make_totals(&a, ws, o.threads, &t) != 0) {
        fputs("caveat audit: out of memory\n", stderr);
        goto cleanup;
    }
    status = t.errors ? CLI_INPUT_ERRORS : CLI_OK;
    if (o.summary && write_summary(&a, &t, samples, nsamples) != 0)
        status = CLI_USAGE;
    if (!o.quiet)
        summary_text(&a, &t, samples, nsamples);
cleanup:
    if (fd > 1)
        close(fd);
    if (tmp_path[0]) {
        unlink(tmp_path);
        tmp_path[0] = '\0';
    }
    if (r.fd > 0)
        close(r.fd);
    free(r.carry);
    for (int i = 0; ws && i < o.threads; i++)
        free_worker(&ws[i]);
    free(ws);
    for (int i = 0; i < a.ncols; i++)
        free(a.cols[i]);
    free(a.cols);
    free(a.header_line);
    free(a.shapes);
    free(a.shape_index);
    free(a.supplier_ok);
    free(t.party);
    free(t.rule);
    free(t.months);
    for (int i = 0; i < t.nreasons; i++)
        free(t.reasons[i].text);
    free(t.reasons);
    free(o.inputs);
    if (pack)
        cav_pack_release(pack);
    return status;
}
