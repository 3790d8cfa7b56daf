/* pack.c — loading packs (from files, directories, memory or the embedded default), their
 * reference counts, and the public catalog look-ups.
 *
 * Loading is all or nothing: every file is read and parsed, every error of every file is
 * reported, and a pack is returned only when there is none, so a bad policy never replaces a good
 * one. The parse arena is dropped once the pack is built; the pack owns its own arena, its GEOS
 * context and geometries, and its locator, all freed by the last cav_pack_release().
 */
#include "caveat.h"
#include "core/alloc.h"
#include "core/diag.h"
#include "core/file.h"
#include "lang/check.h"
#include "pack/embedded.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void pack_free(cav_pack *p) {
    if (!p)
        return;
    if (p->locator)
        cav__locator_free(p->locator);
    cav__arena_free(&p->arena);
    cav__free(p);
}

/* The pack's time zone: from the tz data embedded with the default pack, else from the system's
 * tz database (/usr/share/zoneinfo). */
static void load_timezone(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_stmt *at = b->tz_stmt; /* where the time zone was declared */
    if (!p->timezone) {
        cav__tz_utc(&p->tz);
        return;
    }
    for (const char *c = p->timezone; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '/' || *c == '_' || *c == '-' || *c == '+') ||
            (c[0] == '.' && c[1] == '.')) {
            cav__report(b, CAV_SEV_ERROR, at ? at->file : -1, at ? at->line : 0, at ? at->col : 0,
                        "write an IANA name such as \"Europe/Kyiv\"",
                        "time zone \"%s\" is not a tz database name", p->timezone);
            return;
        }
    const unsigned char *data = NULL;
    size_t n = 0;
    unsigned char *heap = NULL;
    for (int i = 0; cav__embedded_zones[i].name; i++)
        if (strcmp(cav__embedded_zones[i].name, p->timezone) == 0) {
            data = (const unsigned char *)cav__embedded_zones[i].text;
            n = cav__embedded_zones[i].len;
        }
    if (!data) {
        char path[512];
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", p->timezone);
        FILE *f = fopen(path, "rb");
        struct stat st;
        if (f && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (1 << 20)) {
            heap = cav__malloc((size_t)st.st_size + 1);
            if (heap && fread(heap, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
                data = heap;
                n = (size_t)st.st_size;
            }
        }
        if (f)
            fclose(f);
    }
    char err[128] = "";
    int rc = data ? cav__tz_read(data, n, &p->arena, &p->tz, err, sizeof err) : -1;
    if (rc == -2)
        b->oom = 1;
    else if (rc != 0)
        cav__report(b, CAV_SEV_ERROR, at ? at->file : -1, at ? at->line : 0, at ? at->col : 0,
                    "the tz database is Debian's tzdata package", "time zone \"%s\": %s",
                    p->timezone, data ? err : "not found in the tz database");
    cav__free(heap);
}

static void build_free(cav_build *b) {
    for (int i = 0; i < b->ndata; i++)
        cav__free(b->data[i]);
    cav__free(b->data);
    if (b->zb) {
        for (int z = 0; z < b->pack->nzones; z++)
            if (b->zb[z].geom)
                GEOSGeom_destroy_r(b->geos, b->zb[z].geom);
        cav__free(b->zb);
    }
    if (b->geos)
        GEOS_finish_r(b->geos);
}

int cav__pack_build(const cav_parse *ps, const cav_load_opts *opts, cav_diags *diags,
                    int check_only, cav_pack **out) {
    *out = NULL;
    cav_pack *p = cav__calloc(1, sizeof *p);
    if (!p)
        return CAV_ENOMEM;
    p->refs = 1;
    cav_build b = {.ps = ps, .diags = diags, .pack = p, .opts = opts};
    int rc = cav__check(&b);
    if (rc == 0 && check_only)
        rc = CAV_EPOLICY;
    /* cav__compile checks the names of zones and conditions before it builds anything, so it
     * runs even after catalog errors; it stops before geometry when there are errors */
    if (rc == 0)
        rc = cav__compile(&b);
    if (rc == 0 && b.errors == 0) {
        p->file_names = cav__arena_alloc(&p->arena, (size_t)(ps->nfiles + 1) * sizeof(char *));
        for (int i = 0; p->file_names && i < ps->nfiles; i++)
            p->file_names[i] = cav__arena_strdup(&p->arena, ps->files[i].name);
        p->nfiles = ps->nfiles;
        if (!p->name)
            p->name = "pack";
        load_timezone(&b);
        if (!b.oom && !b.errors)
            cav__pack_identify(&b);
    }
    if (rc == 0 && b.errors)
        rc = CAV_EPOLICY;
    if (b.oom)
        rc = CAV_ENOMEM;
    build_free(&b);
    if (rc != 0) {
        pack_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int cav_pack_load_mem(const char *const *names, const char *const *texts, size_t nfiles,
                      cav_diags *diags, cav_pack **out) {
    return cav_pack_load_mem_opts(names, texts, nfiles, NULL, diags, out);
}

int cav_pack_load_mem_opts(const char *const *names, const char *const *texts, size_t nfiles,
                           const cav_load_opts *o, cav_diags *diags, cav_pack **out) {
    *out = NULL;
    cav_diags *own = diags ? NULL : cav_diags_new();
    if (!diags && !own)
        return CAV_ENOMEM;
    cav_diags *d = diags ? diags : own;
    size_t before = cav_diags_errors(d), count_before = cav_diags_count(d);
    cav_parse ps = {0};
    int rc = 0;
    for (size_t i = 0; i < nfiles && rc != CAV_ENOMEM; i++) {
        int r = cav__parse_file(&ps, names[i], texts[i], d);
        if (r)
            rc = r == CAV_ELIMIT ? CAV_EPOLICY : r;
    }
    /* After syntax errors the checker still runs on the statements that parsed, so a user sees
     * unknown names too; nothing is compiled then. */
    int syntax_errors = cav_diags_errors(d) > before;
    if (rc == 0)
        rc = cav__pack_build(&ps, o, d, syntax_errors, out);
    if (rc == 0 && syntax_errors) {
        cav_pack_release(*out);
        *out = NULL;
        rc = CAV_EPOLICY;
    }
    cav__parse_free(&ps);
    cav__diags_sort(d, count_before);
    cav_diags_free(own);
    return rc;
}

char *cav__read_policy_file(const char *path, int listed, cav_diags *d) {
    cav_file_rules rules = {
        .max = CAV_MAX_POLICY_BYTES, .regular_only = listed, .what = "policy file", .unnamed = 1};
    cav_buf why = {0};
    char *buf = NULL;
    size_t n = 0;
    int rc = cav__file_read(path, &rules, &buf, &n, &why);
    if (rc == CAV_ELIMIT)
        cav__diag_add(d, CAV_SEV_ERROR, path, NULL, 0, 0, NULL,
                      "policy file is larger than 16 MiB");
    else if (rc != 0)
        cav__diag_add(d, CAV_SEV_ERROR, path, NULL, 0, 0, NULL, "%s",
                      why.data ? why.data : "out of memory");
    cav_buf_free(&why);
    if (buf && memchr(buf, '\0', n)) {
        cav__diag_add(d, CAV_SEV_ERROR, path, NULL, 0, 0, NULL,
                      "policy file contains a NUL byte (is it a text file?)");
        cav__free(buf);
        buf = NULL;
    }
    return buf;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct file_list {
    char **names;
    char **texts;
    size_t n, cap;
} file_list;

static int list_add(file_list *l, char *name, char *text) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **n = cav__realloc(l->names, cap * sizeof *n);
        if (!n)
            return CAV_ENOMEM;
        l->names = n;
        char **t = cav__realloc(l->texts, cap * sizeof *t);
        if (!t)
            return CAV_ENOMEM;
        l->texts = t;
        l->cap = cap;
    }
    l->names[l->n] = name;
    l->texts[l->n++] = text;
    return 0;
}

static int add_path(file_list *l, const char *path, cav_diags *d) {
    struct stat st;
    if (strcmp(path, "@default") == 0) {
        for (size_t i = 0; cav__default_pack_files[i].name; i++) {
            size_t need = strlen(cav__default_pack_files[i].name) + 16;
            char *name = cav__malloc(need);
            char *text = cav__strdup(cav__default_pack_files[i].text);
            if (name)
                snprintf(name, need, "<default>/%s", cav__default_pack_files[i].name);
            if (!name || !text || list_add(l, name, text) != 0) {
                cav__free(name);
                cav__free(text);
                return CAV_ENOMEM;
            }
        }
        return 0;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        if (!dir) {
            cav__diag_add(d, CAV_SEV_ERROR, path, NULL, 0, 0, NULL, "cannot open directory: %s",
                          strerror(errno));
            return 0;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        int rc = 0;
        while ((e = readdir(dir)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 4, ".cav") != 0 || e->d_name[0] == '.')
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                char **g = cav__realloc(names, cap * sizeof *g);
                if (!g) {
                    rc = CAV_ENOMEM;
                    break;
                }
                names = g;
            }
            size_t need = strlen(path) + len + 2;
            names[n] = cav__malloc(need);
            if (!names[n]) {
                rc = CAV_ENOMEM;
                break;
            }
            snprintf(names[n++], need, "%s/%s", path, e->d_name);
        }
        closedir(dir);
        if (names)
            qsort(names, n, sizeof *names, cmp_str);
        if (rc == 0 && n == 0)
            cav__diag_add(d, CAV_SEV_ERROR, path, NULL, 0, 0, NULL, "directory holds no .cav file");
        for (size_t i = 0; i < n; i++) {
            char *text = rc == 0 ? cav__read_policy_file(names[i], 1, d) : NULL;
            if (text && list_add(l, names[i], text) == 0)
                continue;
            cav__free(text);
            cav__free(names[i]);
        }
        cav__free(names);
        return rc;
    }
    char *text = cav__read_policy_file(path, 0, d);
    char *name = text ? cav__strdup(path) : NULL;
    if (text && name && list_add(l, name, text) == 0)
        return 0;
    cav__free(text);
    cav__free(name);
    return 0;
}

int cav_pack_load(const char *const *paths, size_t npaths, cav_diags *diags, cav_pack **out) {
    return cav_pack_load_opts(paths, npaths, NULL, diags, out);
}

int cav_pack_load_opts(const char *const *paths, size_t npaths, const cav_load_opts *o,
                       cav_diags *diags, cav_pack **out) {
    *out = NULL;
    cav_diags *own = diags ? NULL : cav_diags_new();
    cav_diags *d = diags ? diags : own;
    if (!d)
        return CAV_ENOMEM;
    size_t before = cav_diags_errors(d);
    file_list l = {0};
    int rc = 0;
    for (size_t i = 0; i < npaths && rc == 0; i++)
        rc = add_path(&l, paths[i], d);
    if (rc == 0 && cav_diags_errors(d) > before)
        rc = CAV_EPOLICY;
    if (rc == 0 && l.n == 0) {
        cav__diag_add(d, CAV_SEV_ERROR, NULL, NULL, 0, 0, NULL, "no policy file given");
        rc = CAV_EPOLICY;
    }
    if (rc == 0)
        rc = cav_pack_load_mem_opts((const char *const *)l.names, (const char *const *)l.texts, l.n,
                                    o, d, out);
    for (size_t i = 0; i < l.n; i++) {
        cav__free(l.names[i]);
        cav__free(l.texts[i]);
    }
    cav__free(l.names);
    cav__free(l.texts);
    cav_diags_free(own);
    return rc;
}

int cav_pack_load_default(cav_diags *diags, cav_pack **out) {
    const char *names[64], *texts[64];
    char buf[64][96];
    size_t n = 0;
    for (; n < 64 && cav__default_pack_files[n].name; n++) {
        snprintf(buf[n], sizeof buf[n], "<default>/%s", cav__default_pack_files[n].name);
        names[n] = buf[n];
        texts[n] = cav__default_pack_files[n].text;
    }
    return cav_pack_load_mem(names, texts, n, diags, out);
}

cav_pack *cav_pack_retain(cav_pack *p) {
    if (p)
        p->refs++;
    return p;
}

void cav_pack_release(cav_pack *p) {
    if (p && --p->refs == 0)
        pack_free(p);
}

const char *cav_pack_id(const cav_pack *p) {
    return p->id;
}
const char *cav_pack_hash(const cav_pack *p) {
    return p->hash;
}
const char *cav_pack_name(const cav_pack *p) {
    return p->name;
}

const char *cav_pack_title(const cav_pack *p) {
    return p && p->title ? p->title : "";
}
const char *cav_pack_timezone(const cav_pack *p) {
    return p->timezone ? p->timezone : "UTC";
}

int cav_default_file(size_t i, const char **path, const char **text, size_t *len) {
    size_t nfiles = 0, ntests = 0;
    while (cav__default_pack_files[nfiles].name)
        nfiles++;
    while (cav__default_pack_tests[ntests].name)
        ntests++;
    const struct cav_embedded_file *f = i < nfiles            ? &cav__default_pack_files[i]
                                        : i < nfiles + ntests ? &cav__default_pack_tests[i - nfiles]
                                                              : NULL;
    if (!f)
        return CAV_EINVAL;
    *path = f->path;
    *text = f->text;
    *len = f->len;
    return 0;
}
