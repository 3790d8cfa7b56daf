/* packs.c — the service's current pack, and reloading it without stopping.
 *
 * A reload loads and compiles the new pack beside the current one, outside any lock (that is
 * the slow part), then swaps the pointer under a mutex held for a few instructions. Requests
 * take a reference with srv_packs_acquire at their start and drop it at their end, so a request
 * in flight finishes on the pack it started with, and the old pack is freed by whichever
 * request releases it last (cav_pack_release). A pack with errors never replaces a good one: its
 * diagnostics are printed to the server's log and kept for GET /v1/pack until the next reload
 * succeeds.
 *
 * Watching (--watch) uses inotify on the directories of the policy paths (editors replace files
 * by renaming, which a watch on the file itself would lose) and on directories given as paths;
 * the caller debounces, since one save is several events.
 */
#include "serve.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

struct srv_packs {
    pthread_mutex_t mu;   /* guards cur, loaded and the reload record below */
    pthread_mutex_t load; /* one reload at a time */
    cav_pack *cur;
    double loaded;
    char **paths;
    int npaths;
    srv_metrics *m;
    /* the last failed reload: when, and its diagnostics as a JSON array */
    double failed_at;
    cav_buf failed_json;
    int watch_fd;
};

/* Loads a pack from the paths; on failure prints the diagnostics and keeps them as JSON. */
static cav_pack *load(srv_packs *s, FILE *err, cav_buf *json) {
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    int rc = s->npaths ? cav_pack_load((const char *const *)s->paths, (size_t)s->npaths, d, &p)
                       : cav_pack_load_default(d, &p);
    if (rc != 0) {
        cav_buf text = {0};
        cav_diags_write(d, 0, CAV_FMT_TEXT, &text);
        fprintf(err, "caveat serve: the pack has errors (%s):\n%s", cav_strerror(rc),
                text.data ? text.data : "");
        cav_buf_free(&text);
        if (json) {
            cav_buf_clear(json);
            if (cav_diags_count(d) == 0 || cav_diags_write(d, 0, CAV_FMT_JSON, json) != 0) {
                cav_buf_clear(json);
                cav_buf_append(json, "[{\"severity\":\"error\",\"message\":", 31);
                cav_buf_json_string(json, cav_strerror(rc), strlen(cav_strerror(rc)));
                cav_buf_append(json, "}]", 2);
            }
        }
        p = NULL;
    }
    cav_diags_free(d);
    return p;
}

srv_packs *srv_packs_new(const char *const *paths, int npaths, srv_metrics *m, FILE *err) {
    srv_packs *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->load, NULL);
    s->m = m;
    s->watch_fd = -1;
    s->paths = calloc((size_t)npaths + 1, sizeof *s->paths);
    for (int i = 0; s->paths && i < npaths; i++)
        s->paths[s->npaths++] = strdup(paths[i]);
    if (!s->paths || !(s->cur = load(s, err, NULL))) {
        srv_packs_free(s);
        return NULL;
    }
    s->loaded = srv_now();
    return s;
}

void srv_packs_free(srv_packs *s) {
    if (!s)
        return;
    if (s->cur)
        cav_pack_release(s->cur);
    for (int i = 0; s->paths && i < s->npaths; i++)
        free(s->paths[i]);
    free(s->paths);
    cav_buf_free(&s->failed_json);
    if (s->watch_fd >= 0)
        close(s->watch_fd);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->load);
    free(s);
}

cav_pack *srv_packs_acquire(srv_packs *s) {
    pthread_mutex_lock(&s->mu);
    cav_pack *p = cav_pack_retain(s->cur);
    pthread_mutex_unlock(&s->mu);
    return p;
}

double srv_packs_loaded(srv_packs *s) {
    pthread_mutex_lock(&s->mu);
    double t = s->loaded;
    pthread_mutex_unlock(&s->mu);
    return t;
}

int srv_packs_reload(srv_packs *s, FILE *err) {
    pthread_mutex_lock(&s->load);
    cav_buf json = {0};
    double t0 = srv_monotonic();
    cav_pack *p = load(s, err, &json);
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    if (p) {
        cav_pack *old = s->cur;
        s->cur = p;
        s->loaded = srv_now();
        pthread_mutex_unlock(&s->mu);
        fprintf(err, "caveat serve: reloaded the pack: %s (%s before) in %.0f ms\n", cav_pack_id(p),
                cav_pack_id(old), (srv_monotonic() - t0) * 1e3);
        /* requests still holding the old pack keep it alive until they end */
        cav_pack_release(old);
        atomic_fetch_add(&s->m->reloads_ok, 1);
    } else {
        s->failed_at = srv_now();
        cav_buf tmp = s->failed_json;
        s->failed_json = json;
        json = tmp;
        pthread_mutex_unlock(&s->mu);
        fprintf(err, "caveat serve: reload failed; still serving %s\n", cav_pack_id(s->cur));
        atomic_fetch_add(&s->m->reloads_failed, 1);
        rc = -1;
    }
    cav_buf_free(&json);
    pthread_mutex_unlock(&s->load);
    return rc;
}

int srv_packs_watch(srv_packs *s, FILE *err) {
    if (s->npaths == 0) {
        fputs("caveat serve: --watch: no --policy files to watch (the embedded pack does not "
              "change)\n",
              err);
        return -1;
    }
    s->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->watch_fd < 0) {
        fprintf(err, "caveat serve: --watch: %s\n", strerror(errno));
        return -1;
    }
    const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                          IN_ATTRIB | IN_MODIFY;
    for (int i = 0; i < s->npaths; i++) {
        const char *path = s->paths[i];
        if (path[0] == '@')
            continue; /* @default: embedded */
        struct stat st;
        char dir[PATH_MAX];
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(dir, sizeof dir, "%s", path);
        } else {
            snprintf(dir, sizeof dir, "%s", path);
            char *slash = strrchr(dir, '/');
            if (slash)
                slash[slash == dir ? 1 : 0] = '\0';
            else
                snprintf(dir, sizeof dir, ".");
        }
        if (inotify_add_watch(s->watch_fd, dir, mask) < 0) {
            fprintf(err, "caveat serve: --watch %s: %s\n", dir, strerror(errno));
            return -1;
        }
    }
    return s->watch_fd;
}

int srv_packs_watch_event(srv_packs *s) {
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0;
    for (;;) {
        ssize_t n = read(s->watch_fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            /* a directory's change concerns the pack if it is a .cav file or a zone's data: any
               file but editors' swap and backup files */
            const char *name = ev->len ? ev->name : "";
            size_t len = strlen(name);
            int noise = (len && name[0] == '.') || (len && name[len - 1] == '~') ||
                        (len > 4 && strcmp(name + len - 4, ".swp") == 0);
            if (!noise)
                changed = 1;
            p += sizeof *ev + ev->len;
        }
    }
    return changed;
}

/* Appends one catalog as the JSON cav_catalog_write gives it, without its newline. */
static void catalog(cav_buf *out, const cav_pack *p, cav_catalog c, const char *label) {
    cav_buf_append(out, c == CAV_CAT_PARTY ? "\"" : ",\"", c == CAV_CAT_PARTY ? 1 : 2);
    cav_buf_append(out, label, strlen(label));
    cav_buf_append(out, "\":", 2);
    size_t at = out->len;
    if (cav_catalog_write(p, (int)c, CAV_FMT_JSON, out) != 0) {
        out->len = at;
        cav_buf_append(out, "null", 4);
    }
    while (out->len > at && (out->data[out->len - 1] == '\n'))
        out->len--;
    if (out->data)
        out->data[out->len] = '\0';
}

int srv_packs_describe(srv_packs *s, cav_buf *out) {
    pthread_mutex_lock(&s->mu);
    cav_pack *p = cav_pack_retain(s->cur);
    double loaded = s->loaded, failed_at = s->failed_at;
    cav_buf failed = {0};
    if (s->failed_json.len)
        cav_buf_append(&failed, s->failed_json.data, s->failed_json.len);
    pthread_mutex_unlock(&s->mu);
    const char *id = cav_pack_id(p), *name = cav_pack_name(p), *tz = cav_pack_timezone(p);
    cav_buf_append(out, "{\"id\":", 6);
    cav_buf_json_string(out, id, strlen(id));
    cav_buf_append(out, ",\"hash\":\"", 9);
    cav_buf_append(out, cav_pack_hash(p), strlen(cav_pack_hash(p)));
    cav_buf_append(out, "\",\"name\":", 9);
    cav_buf_json_string(out, name, strlen(name));
    cav_buf_append(out, ",\"timezone\":", 12);
    cav_buf_json_string(out, tz, strlen(tz));
    cav_buf_append(out, ",\"loaded\":", 10);
    srv_rfc3339(loaded, out);
    cav_buf_append(out, ",\"policies\":[", 13);
    for (int i = 0; i < s->npaths; i++) {
        if (i)
            cav_buf_append(out, ",", 1);
        cav_buf_json_string(out, s->paths[i], strlen(s->paths[i]));
    }
    char counts[160];
    int n = snprintf(counts, sizeof counts, "],\"reloads\":{\"ok\":%llu,\"failed\":%llu}",
                     (unsigned long long)atomic_load(&s->m->reloads_ok),
                     (unsigned long long)atomic_load(&s->m->reloads_failed));
    cav_buf_append(out, counts, (size_t)n);
    cav_buf_append(out, ",\"last_failed_reload\":", 22);
    if (failed.len) {
        cav_buf_append(out, "{\"time\":", 8);
        srv_rfc3339(failed_at, out);
        cav_buf_append(out, ",\"errors\":", 10);
        /* cav_diags_write's array, on one line */
        srv_json_minify(failed.data, failed.len, out);
        cav_buf_append(out, "}", 1);
    } else {
        cav_buf_append(out, "null", 4);
    }
    cav_buf_append(out, ",\"caveat\":", 10);
    cav_buf_json_string(out, cav_version(), strlen(cav_version()));
    cav_buf_append(out, ",\"catalogs\":{", 13);
    catalog(out, p, CAV_CAT_PARTY, "parties");
    catalog(out, p, CAV_CAT_WEAPON, "weapons");
    catalog(out, p, CAV_CAT_CLASS, "classes");
    catalog(out, p, CAV_CAT_KIND, "kinds");
    catalog(out, p, CAV_CAT_PURPOSE, "purposes");
    catalog(out, p, CAV_CAT_ROLE, "roles");
    catalog(out, p, CAV_CAT_STATE, "states");
    catalog(out, p, CAV_CAT_ZONE, "zones");
    cav_buf_append(out, "}}\n", 3);
    cav_buf_free(&failed);
    cav_pack_release(p);
    return out->failed ? CAV_ENOMEM : 0;
}
