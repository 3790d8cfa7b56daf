/* audit_rows.c — deciding the rows of one chunk of `caveat audit` into output rows: the hot path.
 *
 * Workers avoid the JSON query reader: fields are spans into the chunk, names go through a
 * per-thread cache in front of cav_pack_weapon() and friends, dates through a per-thread cache in
 * front of cav_date_parse(), numbers through an exact fast path (at most 15 digits, no exponent:
 * one correctly rounded division) in front of strtod(). The added columns of a decision depend only
 * on the decision (and on the date, whose text some explanations quote), so they are formatted once
 * per distinct decision as a template and copied with the row's date written in; decisions whose
 * explanation names missing fields (and so depends on the query) are explained row by row. A row
 * the fast path refuses is rebuilt as a JSON query and handed to cav_query_parse_json(), so bad
 * rows get exactly the field and message `caveat check` gives, and the fast path can never accept
 * less than the reference reader refuses.
 */
#include "cli/audit.h"
#include "cli/cli.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cli_audit_fields[NQ] = {"id",         "date",       "weapon",      "supplier",
                                          "target.lat", "target.lon", "target.kind", "target.state",
                                          "purpose",    "launch.lat", "launch.lon"};

/* ---- small helpers ------------------------------------------------------------------------ */

/* A hash of a decision key, a word at a time (keys are a few to a few dozen words). */
static uint32_t hash_key(const uint16_t *key, int n) {
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < n; i++)
        h = (h ^ key[i]) * 0xff51afd7ed558ccdu;
    return (uint32_t)(h >> 32);
}

int cli_audit_reserve(char **buf, size_t *cap, size_t len, size_t more) {
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

void cli_audit_trim(const char **s, size_t *n) {
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
        return cav__streqi(s, "ground")     ? CAV_STATE_GROUND
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
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* a whole word, then the bytes past the name masked off: values are followed by at least
         * 8 readable bytes (chunk input has 16 bytes of slack, unquoted copies 64) */
        memcpy(&a, s, 8);
        if (n < 8)
            a &= ((uint64_t)1 << (8 * n)) - 1;
#else
        memcpy(&a, s, n < 8 ? n : 8);
#endif
        if (n > 8)
            memcpy(&b, s + n - 8, 8);
        uint64_t h =
            (a * 0x9e3779b97f4a7c15u) ^ (b * 0xc2b2ae3d27d4eb4fu) ^ (n << 3 | (unsigned)tag);
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
        e->month =
            ((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0')) * 12 +
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
        cav__out_printf(&po, "%s%s:%s", i ? ";" : "", cav_pack_party_name(p, d->parties[i].party),
                        cav_verdict_name(d->parties[i].verdict));
    size_t np = po.len < sizeof parties ? po.len : sizeof parties - 1;
    size_t ne = 0;
    if (with_explanation && (ne = explain(w, q, d)) == (size_t)-1)
        return -1;
    const char *verdict = cav_verdict_name(d->verdict);
    if (w->a->out_fmt == FMT_CSV) {
        if (cli_audit_reserve(&w->frags, &w->frags_cap, w->nfrags, 2 * (nr + np + ne) + 64) != 0)
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
    if (cli_audit_reserve(&w->frags, &w->frags_cap, w->nfrags, narr + 6 * nr + 6 * ne + 128) != 0)
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
        if (cli_audit_reserve(&w->frags, &w->frags_cap, w->nfrags + k, 6 * ne2 + 8) != 0)
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
#define DATE_A 14610 /* 2010-01-01 */
#define DATE_B 41271 /* 2082-12-31 */

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

static int ensure_out(chunk *c, size_t more) {
    return cli_audit_reserve(&c->out, &c->out_cap, c->out_len, more);
}

static int field_index(const char *field) {
    for (int i = 0; i < NQ; i++)
        if (strcmp(field, cli_audit_fields[i]) == 0)
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
static int slow_query(worker *w, const value *v, cav_query *q, char *field, size_t fsize, char *msg,
                      size_t msize) {
    json_t *root = json_object(), *target = json_object(), *launch = NULL;
    static const int strs[] = {Q_DATE, Q_WEAPON, Q_SUPPLIER, Q_PURPOSE};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (v[strs[i]].n)
            json_object_set_new(root, cli_audit_fields[strs[i]],
                                json_stringn(v[strs[i]].s, v[strs[i]].n));
    for (int i = Q_TLAT; i <= Q_LLON; i++) {
        if (!v[i].n || i == Q_PURPOSE)
            continue;
        const char *key = strchr(cli_audit_fields[i], '.') + 1;
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
int cli_audit_probe_suppliers(audit *a) {
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
    if (row->text_len > MAX_ROW)
        problem = "the row is longer than 1 MiB";
    else if (row->unterminated)
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
            cli_audit_trim(&v[i].s, &v[i].n);
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
    int too_long = n > MAX_ROW;
    json_t *root = n && !too_long ? json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    char field[64] = "", msg[512];
    cav_query q;
    int rc = -1;
    if (too_long) {
        snprintf(msg, sizeof msg, "the line is longer than 1 MiB");
        n = 0; /* echoed as an empty input */
    } else if (!n)
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
            snprintf(key, sizeof key, "%s", cli_audit_fields[i]);
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
        if (json_is_object(root)) {
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
            if (json_is_object(root)) {
                char key[16];
                snprintf(key, sizeof key, "%s", cli_audit_fields[i]);
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

int cli_audit_process_chunk(worker *w, chunk *c) {
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
