/* hash.c — the pack's identity: a SHA-256 of its content in canonical form.
 *
 * Every decision names the pack that made it ("default@3f9a1c2b7d10"), so a decision log or a
 * cached answer can be tied to the exact rules behind it. The hash covers what decides and what
 * is shown: the pack's name and time zone, every catalog entry with its title, every source,
 * zone (its expression as written, the bytes of any geojson() file it reads, and the embedded
 * boundary data), rule and note with every clause, in declaration order. It does not cover
 * comments, layout or file names, so reformatting a pack keeps its id, and it does not depend on
 * the machine: numbers are written exactly (hexadecimal floating point), and zone geometries are
 * hashed by their definition, not by the GEOS output, which may differ between GEOS versions.
 *
 * SHA-256 comes from OpenSSL's libcrypto (Debian's libssl-dev).
 */
#include "core/num.h"
#include "geo/borders_data.h"
#include "lang/check.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct hasher {
    EVP_MD_CTX *md;
    int failed;
} hasher;

static void put(hasher *h, const void *data, size_t n) {
    if (!h->failed && EVP_DigestUpdate(h->md, data, n) != 1)
        h->failed = 1;
}

/* A field: a tag, the length and the bytes, so no two different contents hash alike. */
static void field(hasher *h, const char *tag, const char *s) {
    uint32_t n = s ? (uint32_t)strlen(s) : 0xffffffffu;
    put(h, tag, strlen(tag) + 1);
    put(h, &n, sizeof n);
    if (s)
        put(h, s, n);
}

static void number(hasher *h, const char *tag, double v) {
    char s[64];
    /* exact; %a writes the locale's radix character, so always in the C locale */
    cav__snprintf_c(s, sizeof s, "%a", v);
    field(h, tag, s);
}

static void integer(hasher *h, const char *tag, long v) {
    char s[32];
    snprintf(s, sizeof s, "%ld", v);
    field(h, tag, s);
}

static void names(hasher *h, const char *tag, const cav_names *n) {
    integer(h, tag, n->n);
    for (int i = 0; i < n->n; i++)
        field(h, tag, n->v[i].s);
}

/* The embedded boundary data, hashed once per process. */
static unsigned char borders_digest[32];
static _Atomic int borders_ok; /* set once the digest is made; retried until then */
static pthread_mutex_t borders_lock = PTHREAD_MUTEX_INITIALIZER;

static void hash_table(EVP_MD_CTX *md, const void *data, size_t n) {
    EVP_DigestUpdate(md, data, n);
}

static void hash_borders(void) {
    pthread_mutex_lock(&borders_lock);
    if (borders_ok) {
        pthread_mutex_unlock(&borders_lock);
        return;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        goto done;
    hash_table(md, cav__borders_scale, sizeof(double) * 2);
    hash_table(md, cav__borders_translate, sizeof(double) * 2);
    for (int i = 0; i < cav__borders_nrecs; i++) {
        const cav_border_rec *r = &cav__borders_recs[i];
        hash_table(md, r->code, strlen(r->code));
        hash_table(md, &r->first_poly, sizeof r->first_poly);
        hash_table(md, &r->npolys, sizeof r->npolys);
    }
    int last_poly = 0;
    for (int i = 0; i < cav__borders_nrecs; i++)
        last_poly = cav__borders_recs[i].first_poly + cav__borders_recs[i].npolys;
    int nrings = cav__borders_poly_ring[last_poly];
    int npoints = cav__borders_ring_start[nrings];
    hash_table(md, cav__borders_poly_ring, sizeof(int32_t) * (size_t)(last_poly + 1));
    hash_table(md, cav__borders_ring_start, sizeof(int32_t) * (size_t)(nrings + 1));
    hash_table(md, cav__borders_xy, sizeof(int32_t) * 2 * (size_t)npoints);
    /* the zones (land and territorial sea), which decisions read */
    hash_table(md, cav__borders_zone_scale, sizeof(double) * 2);
    last_poly = 0;
    for (int i = 0; i < cav__borders_nrecs; i++) {
        const cav_border_span *z = &cav__borders_zone_spans[i];
        hash_table(md, z, sizeof *z);
        if (z->first_poly + z->npolys > last_poly)
            last_poly = z->first_poly + z->npolys;
    }
    nrings = cav__borders_zone_poly_ring[last_poly];
    npoints = cav__borders_zone_ring_start[nrings];
    hash_table(md, cav__borders_zone_poly_ring, sizeof(int32_t) * (size_t)(last_poly + 1));
    hash_table(md, cav__borders_zone_ring_start, sizeof(int32_t) * (size_t)(nrings + 1));
    hash_table(md, cav__borders_zone_xy, sizeof(int32_t) * 2 * (size_t)npoints);
#if CAV_REGIONS
    hash_table(md, cav__regions_scale, sizeof(double) * 2);
    for (int i = 0; i < cav__regions_nrecs; i++) {
        const cav_border_rec *r = &cav__regions_recs[i];
        hash_table(md, r->code, strlen(r->code));
    }
    last_poly = 0;
    for (int i = 0; i < cav__regions_nrecs; i++)
        last_poly = cav__regions_recs[i].first_poly + cav__regions_recs[i].npolys;
    nrings = cav__regions_poly_ring[last_poly];
    npoints = cav__regions_ring_start[nrings];
    hash_table(md, cav__regions_xy, sizeof(int32_t) * 2 * (size_t)npoints);
#endif
    unsigned len = 0;
    borders_ok = EVP_DigestFinal_ex(md, borders_digest, &len) == 1 && len == 32;
done:
    EVP_MD_CTX_free(md);
    pthread_mutex_unlock(&borders_lock);
}

/* The bytes of a geojson() file (at most 64 MiB, regular files only). */
static void file_bytes(hasher *h, const char *path) {
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        field(h, "file-unreadable", path);
        if (f)
            fclose(f);
        return;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        put(h, buf, n);
    fclose(f);
}

static void zone_expr(hasher *h, const cav_zone_expr *e) {
    if (!e) {
        field(h, "z", NULL);
        return;
    }
    integer(h, "zk", e->kind);
    field(h, "zn", e->name);
    field(h, "zn2", e->name2);
    integer(h, "zb", e->has_between);
    for (int i = 0; i < 4; i++)
        number(h, "zv", e->num[i]);
    integer(h, "zc", e->ncoords);
    for (int i = 0; i < 2 * e->ncoords; i++)
        number(h, "zp", e->coords[i]);
    if (e->kind == CAV_ZONE_GEOJSON) {
        field(h, "zf", e->written_path);
        file_bytes(h, e->path);
    }
    zone_expr(h, e->a);
    zone_expr(h, e->b);
}

static void condition(hasher *h, const cav_cond *c) {
    if (!c) {
        field(h, "c", NULL);
        return;
    }
    integer(h, "co", c->op);
    if (c->op == CAV_C_TEST) {
        integer(h, "cf", c->field);
        integer(h, "ct", c->test);
        names(h, "cv", &c->values);
        return;
    }
    condition(h, c->a);
    condition(h, c->b);
}

static void statement(hasher *h, const cav_stmt *s) {
    integer(h, "k", s->kind);
    field(h, "id", s->name.s);
    field(h, "title", s->title);
    field(h, "parent", s->parent.s);
    field(h, "class", s->wclass.s);
    names(h, "alias", &s->aliases);
    names(h, "consent", &s->consent);
    names(h, "suppliers", &s->suppliers);
    field(h, "range", s->range);
    field(h, "outlet", s->outlet);
    field(h, "url", s->url);
    zone_expr(h, s->zone);
    field(h, "assumption", s->assumption);
    field(h, "timezone", s->timezone);
    integer(h, "all", s->all_parties);
    names(h, "party", &s->parties);
    integer(h, "from", s->has_from ? s->from : INT32_MIN);
    integer(h, "until", s->has_until ? s->until : INT32_MAX);
    names(h, "source", &s->sources);
    field(h, "says", s->says);
    field(h, "quote", s->quote);
    integer(h, "paraphrase", s->paraphrase);
    names(h, "unless", &s->unless);
    field(h, "disputed", s->disputed);
    field(h, "note", s->note);
    condition(h, s->when);
}

int cav__pack_identify(cav_build *b) {
    cav_pack *p = b->pack;
    hasher h = {EVP_MD_CTX_new(), 0};
    if (!h.md || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h.md);
        b->oom = 1;
        return CAV_ENOMEM;
    }
    field(&h, "caveat-pack", "1");
    if (!borders_ok)
        hash_borders();
    if (!borders_ok)
        h.failed = 1;
    put(&h, borders_digest, sizeof borders_digest);
    for (int i = 0; i < b->ps->nstmts; i++)
        statement(&h, b->ps->stmts[i]);
    unsigned char digest[32];
    unsigned len = 0;
    if (h.failed || EVP_DigestFinal_ex(h.md, digest, &len) != 1 || len != 32) {
        EVP_MD_CTX_free(h.md);
        b->oom = 1;
        return CAV_ENOMEM;
    }
    EVP_MD_CTX_free(h.md);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        p->hash[2 * i] = hex[digest[i] >> 4];
        p->hash[2 * i + 1] = hex[digest[i] & 15];
    }
    p->hash[64] = '\0';
    snprintf(p->id, sizeof p->id, "%.*s@%.12s", 80, p->name ? p->name : "pack", p->hash);
    return 0;
}
