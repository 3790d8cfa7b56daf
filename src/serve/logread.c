/* logread.c — reading a decision log: `caveat log verify` checks its chain, `caveat log replay`
 * decides every logged query again.
 *
 * Verifying walks the records of every file in chain order (files are ordered by the number of
 * their first record, so rotated files can be given in any order) and stops at the first record
 * that is not what the chain says it must be:
 *   - a line that is not a record, or a record whose bytes do not match its own hash: altered;
 *   - a number that skips ahead: the records between were removed, unless the missing one turns
 *     up later, when they were reordered;
 *   - a number that goes back: reordered (or duplicated);
 *   - a right number whose `prev` is not the previous record's hash: a record before it was
 *     replaced by another;
 *   - an incomplete last line: a torn record, never acknowledged (a crash, a full disk).
 * A chain re-hashed from an edit to its end cannot be told from a genuine one by the chain alone:
 * an anchor (a head seen elsewhere: /healthz reports it) closes that gap.
 *
 * Replaying parses only the records' own members (a fixed shape written by declog.c) and hands
 * the query to the library exactly as the service did: a logged document through
 * cav_query_parse_json, a logged GET query string through srv_params_bind.
 *
 * Files are mapped read-only; nothing is kept beyond the call.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct logfile {
    const char *name;
    const char *data;
    size_t len;
    uint64_t first; /* first record's number, or UINT64_MAX when unknown */
    int given;      /* position on the command line (stable order for unknown firsts) */
} logfile;

static int map_file(logfile *f, cav_buf *out) {
    int fd = open(f->name, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        char msg[600];
        int n = snprintf(msg, sizeof msg, "error: %s: %s\n", f->name, strerror(errno));
        cav_buf_append(out, msg, (size_t)n);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    f->len = (size_t)st.st_size;
    f->data = "";
    if (f->len) {
        void *m = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            close(fd);
            return -1;
        }
        f->data = m;
    }
    close(fd);
    f->first = UINT64_MAX;
    const char *nl = memchr(f->data, '\n', f->len);
    srv_record r;
    if (nl && srv_record_parse(f->data, (size_t)(nl - f->data), &r) == 0)
        f->first = r.seq;
    return 0;
}

static void unmap_files(logfile *fs, int n) {
    for (int i = 0; i < n; i++)
        if (fs[i].len)
            munmap((void *)fs[i].data, fs[i].len);
    free(fs);
}

static int by_first(const void *a, const void *b) {
    const logfile *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->given - y->given;
}

/* Maps every file and orders them by their first record. NULL after appending the error. */
static logfile *open_files(const char *const *files, int n, cav_buf *out) {
    logfile *fs = calloc((size_t)n, sizeof *fs);
    if (!fs)
        return NULL;
    for (int i = 0; i < n; i++) {
        fs[i].name = files[i];
        fs[i].given = i;
        if (map_file(&fs[i], out) != 0) {
            unmap_files(fs, i);
            return NULL;
        }
    }
    qsort(fs, (size_t)n, sizeof *fs, by_first);
    return fs;
}

static void say(cav_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(cav_buf *out, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof msg - 1)
        n = (int)sizeof msg - 1;
    cav_buf_append(out, msg, (size_t)n);
}

/* Looks ahead from line `from` of the files for the record numbered want: its file and line. */
static int find_later(const logfile *fs, int nfiles, int fi, size_t off, long line, uint64_t want,
                      const char **name, long *at) {
    int budget = 100000; /* bounded: a reordering is near where it was found */
    for (int f = fi; f < nfiles; f++) {
        size_t o = f == fi ? off : 0;
        long ln = f == fi ? line : 1;
        while (o < fs[f].len && budget-- > 0) {
            const char *s = fs[f].data + o;
            const char *nl = memchr(s, '\n', fs[f].len - o);
            size_t n = nl ? (size_t)(nl - s) : fs[f].len - o;
            srv_record r;
            if (srv_record_parse(s, n, &r) == 0 && r.seq == want) {
                *name = fs[f].name;
                *at = ln;
                return 1;
            }
            o += n + 1;
            ln++;
        }
    }
    return 0;
}

typedef struct anchor {
    int set;
    uint64_t seq;
    char hash[65];
    int seen;
} anchor;

int srv_log_verify(const char *const *files, int nfiles, const char *anchor_text, cav_buf *out) {
    anchor an = {0};
    if (anchor_text) {
        const char *colon = strchr(anchor_text, ':');
        char *end;
        errno = 0;
        unsigned long long v = strtoull(anchor_text, &end, 10);
        if (!colon || end != colon || errno || strlen(colon + 1) != 64) {
            say(out, "error: --anchor must be SEQ:HASH (a record number and its 64-digit hash)\n");
            return 2;
        }
        an.set = 1;
        an.seq = v;
        memcpy(an.hash, colon + 1, 65);
    }
    logfile *fs = open_files(files, nfiles, out);
    if (!fs)
        return 2;
    int status = 0;
    uint64_t last = 0, count = 0, firstseq = 0;
    char prev[65] = "";
    int have_prev = 0;
    for (int f = 0; f < nfiles && status == 0; f++) {
        const logfile *lf = &fs[f];
        size_t off = 0;
        long line = 1;
        while (off < lf->len && status == 0) {
            const char *s = lf->data + off;
            const char *nl = memchr(s, '\n', lf->len - off);
            size_t n = nl ? (size_t)(nl - s) : lf->len - off;
            if (!nl) {
                say(out,
                    "torn: %s line %ld: an incomplete last record (%zu bytes, no newline) after "
                    "record %llu: it was never completed (a crash or a full disk) and never "
                    "acknowledged\n",
                    lf->name, line, n, (unsigned long long)last);
                status = f == nfiles - 1 ? 3 : 1;
                break;
            }
            srv_record r;
            if (srv_record_parse(s, n, &r) != 0) {
                say(out,
                    "broken: %s line %ld: not a decision log record (where record %llu should "
                    "be): altered\n",
                    lf->name, line, (unsigned long long)last + 1);
                status = 1;
                break;
            }
            char h[65];
            srv_sha256_hex(s, r.hashed, h);
            if (memcmp(h, r.hash, 64) != 0) {
                say(out,
                    "broken: record %llu (%s line %ld) was altered: its bytes do not match its "
                    "hash\n",
                    (unsigned long long)r.seq, lf->name, line);
                status = 1;
                break;
            }
            if (!have_prev) {
                firstseq = r.seq;
                if (r.seq == 1 && memcmp(r.prev,
                                         "0000000000000000000000000000000000000000000000"
                                         "000000000000000000",
                                         64) != 0) {
                    say(out,
                        "broken: record 1 (%s line %ld) does not start a chain: its prev is "
                        "not zero\n",
                        lf->name, line);
                    status = 1;
                    break;
                }
            } else if (r.seq != last + 1) {
                const char *where;
                long at;
                if (r.seq > last + 1 && find_later(fs, nfiles, f, off, line, last + 1, &where, &at))
                    say(out,
                        "broken: records reordered: record %llu (%s line %ld) comes before "
                        "record %llu (%s line %ld)\n",
                        (unsigned long long)r.seq, lf->name, line, (unsigned long long)last + 1,
                        where, at);
                else if (r.seq > last + 1)
                    say(out,
                        "broken: record%s %llu%s%.0llu missing: removed before record %llu (%s "
                        "line %ld)\n",
                        r.seq - last > 2 ? "s" : "", (unsigned long long)last + 1,
                        r.seq - last > 2 ? " to " : "",
                        r.seq - last > 2 ? (unsigned long long)(r.seq - 1) : 0ULL,
                        (unsigned long long)r.seq, lf->name, line);
                else
                    say(out,
                        "broken: records reordered: record %llu (%s line %ld) comes after record "
                        "%llu\n",
                        (unsigned long long)r.seq, lf->name, line, (unsigned long long)last);
                status = 1;
                break;
            } else if (memcmp(r.prev, prev, 64) != 0) {
                say(out,
                    "broken: record %llu (%s line %ld) does not follow record %llu: its prev is "
                    "not that record's hash (record %llu was replaced)\n",
                    (unsigned long long)r.seq, lf->name, line, (unsigned long long)last,
                    (unsigned long long)last);
                status = 1;
                break;
            }
            if (an.set && r.seq == an.seq) {
                an.seen = 1;
                if (memcmp(r.hash, an.hash, 64) != 0) {
                    say(out,
                        "broken: record %llu (%s line %ld) is not the anchored record: the log "
                        "was rewritten up to it\n",
                        (unsigned long long)r.seq, lf->name, line);
                    status = 1;
                    break;
                }
            }
            memcpy(prev, r.hash, 64);
            prev[64] = '\0';
            have_prev = 1;
            last = r.seq;
            count++;
            off += n + 1;
            line++;
        }
    }
    if (status == 0 && an.set && !an.seen) {
        say(out,
            "broken: the log ends at record %llu, before the anchored record %llu: records "
            "were removed from its end\n",
            (unsigned long long)last, (unsigned long long)an.seq);
        status = 1;
    }
    if (status == 0 || status == 3) {
        if (count)
            say(out, "%s: %llu record%s intact, %llu to %llu; head %s\n",
                status ? "intact up to the torn record" : "ok", (unsigned long long)count,
                count == 1 ? "" : "s", (unsigned long long)firstseq, (unsigned long long)last,
                prev);
        else
            say(out, "ok: no records\n");
        if (count && firstseq > 1)
            say(out,
                "note: the chain starts at record %llu; give the files before it to check "
                "its link to record %llu\n",
                (unsigned long long)firstseq, (unsigned long long)(firstseq - 1));
        if (status == 3)
            status = 1;
    } else if (count) {
        say(out, "intact before it: %llu records, %llu to %llu\n", (unsigned long long)count,
            (unsigned long long)firstseq, (unsigned long long)last);
    }
    unmap_files(fs, nfiles);
    return status;
}

/* ---- replay ---- */

/* One member of a record's top-level object. */
typedef struct member {
    const char *key, *val;
    size_t klen, vlen;
} member;

/* The extent of the JSON value at s[i]: strings, brackets (strings inside respected) or a bare
 * scalar up to ',' or '}'. Returns the index past it. */
static size_t value_end(const char *s, size_t n, size_t i) {
    int depth = 0, instr = 0, esc = 0;
    for (size_t j = i; j < n; j++) {
        char c = s[j];
        if (instr) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"') {
                instr = 0;
                if (depth == 0)
                    return j + 1;
            }
            continue;
        }
        if (c == '"')
            instr = 1;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (depth == 0)
                return j;
            if (--depth == 0)
                return j + 1;
        } else if (c == ',' && depth == 0)
            return j;
    }
    return n;
}

static size_t skip_blanks(const char *s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* Splits the top-level members (up to max) of a record or a decision line. Returns how many, or
 * -1. */
static int members(const char *s, size_t n, member *m, int max) {
    if (n < 2 || s[0] != '{')
        return -1;
    size_t i = skip_blanks(s, n, 1);
    int k = 0;
    while (i < n && s[i] != '}' && k < max) {
        if (s[i] != '"')
            return -1;
        size_t ke = value_end(s, n, i);
        size_t colon = skip_blanks(s, n, ke);
        if (colon >= n || s[colon] != ':')
            return -1;
        m[k].key = s + i + 1;
        m[k].klen = ke - i - 2;
        size_t vs = skip_blanks(s, n, colon + 1);
        size_t ve = value_end(s, n, vs);
        m[k].val = s + vs;
        m[k].vlen = ve - vs;
        while (m[k].vlen && (m[k].val[m[k].vlen - 1] == ' ' || m[k].val[m[k].vlen - 1] == '\t'))
            m[k].vlen--;
        k++;
        i = ve;
        if (i < n && s[i] == ',')
            i = skip_blanks(s, n, i + 1);
    }
    return k;
}

static const member *get(const member *m, int n, const char *key) {
    size_t kl = strlen(key);
    for (int i = 0; i < n; i++)
        if (m[i].klen == kl && memcmp(m[i].key, key, kl) == 0)
            return &m[i];
    return NULL;
}

/* The top-level "decision" (verdict) of a decision line, or "error". */
static void verdict_of(const char *line, size_t n, char *out, size_t cap) {
    member m[16];
    int k = members(line, n, m, 16);
    const member *d = k > 0 ? get(m, k, "decision") : NULL;
    if (k > 0 && get(m, k, "error"))
        snprintf(out, cap, "error");
    else if (d && d->vlen >= 2)
        snprintf(out, cap, "%.*s", (int)(d->vlen - 2), d->val + 1);
    else
        snprintf(out, cap, "?");
}

/* Decides one logged query again into out (its line as the service would answer it now). */
static int redecide(const cav_pack *p, const member *query, const member *params, unsigned flags,
                    cav_buf *out, cav_buf *scratch) {
    if (query) {
        cav_doc doc = {CAV_DOC_QUERY, query->val, query->vlen, 0, NULL};
        int verdict;
        return srv_decide_doc(p, flags, &doc, out, scratch, &verdict, NULL);
    }
    /* a GET query string: percent-encoded, so its JSON string holds no escapes */
    char *copy = malloc(params->vlen);
    if (!copy)
        return CAV_ENOMEM;
    memcpy(copy, params->val + 1, params->vlen - 2);
    copy[params->vlen - 2] = '\0';
    srv_params ps;
    srv_params_parse(copy, &ps);
    cav_query q;
    cav_qerrors e;
    cav_decision d;
    int rc = srv_params_bind(p, &ps, NULL, 0, &q, &e, scratch, &flags);
    if (rc == 0 && cav_eval(p, &q, &d) != 0) {
        cav_query_init(&q, &e);
        e.n = 1;
        e.v[0].field = -1;
        snprintf(e.v[0].message, sizeof e.v[0].message, "%s",
                 "the query could not be evaluated against this pack");
        rc = CAV_EINVAL;
    }
    if (rc != 0)
        rc = cav_qerrors_json(&e, scratch->data, 0, out);
    else
        rc = cav_decision_json(p, &q, &d, scratch->data, flags, out);
    free(copy);
    return rc;
}

/* The first occurrence of needle[0, m) in hay[0, n), or NULL (the log is mapped, not a string). */
static const char *find(const char *hay, size_t n, const char *needle, size_t m) {
    for (size_t i = 0; m && i + m <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

/* The logged decision with its "pack" member's value replaced by the id of p, so that a replay
 * compares everything but the pack. */
static int repack(const member *dec, const member *pack, const cav_pack *p, cav_buf *out) {
    cav_buf want = {0};
    cav_buf_append(&want, "\"pack\": ", 8);
    cav_buf_append(&want, pack->val, pack->vlen);
    const char *at = want.data ? find(dec->val, dec->vlen, want.data, want.len) : NULL;
    int rc = 0;
    if (at) {
        size_t head = (size_t)(at - dec->val) + 8;
        const char *id = cav_pack_id(p);
        rc = cav_buf_append(out, dec->val, head);
        if (rc == 0)
            rc = cav_buf_json_string(out, id, strlen(id));
        if (rc == 0)
            rc = cav_buf_append(out, at + want.len, dec->vlen - head - pack->vlen);
    } else {
        rc = cav_buf_append(out, dec->val, dec->vlen);
    }
    cav_buf_free(&want);
    return rc;
}

int srv_log_replay(const cav_pack *p, const char *const *files, int nfiles, int json, cav_buf *out,
                   long *nrecords, long *ndiff) {
    *nrecords = *ndiff = 0;
    logfile *fs = open_files(files, nfiles, out);
    if (!fs)
        return 2;
    cav_buf now = {0}, then = {0}, scratch = {0};
    int status = 0;
    for (int f = 0; f < nfiles && status == 0; f++) {
        size_t off = 0;
        long line = 1;
        while (off < fs[f].len) {
            const char *s = fs[f].data + off;
            const char *nl = memchr(s, '\n', fs[f].len - off);
            if (!nl)
                break; /* a torn tail: never answered */
            size_t n = (size_t)(nl - s);
            member m[16];
            int k = members(s, n, m, 16);
            const member *seq = k > 0 ? get(m, k, "seq") : NULL;
            const member *dec = k > 0 ? get(m, k, "decision") : NULL;
            const member *pack = k > 0 ? get(m, k, "pack") : NULL;
            const member *query = k > 0 ? get(m, k, "query") : NULL;
            const member *params = k > 0 ? get(m, k, "params") : NULL;
            const member *req = k > 0 ? get(m, k, "request") : NULL;
            const member *ex = k > 0 ? get(m, k, "explain") : NULL;
            if (!seq || !dec || !pack || !req || (!query && !params) ||
                (params && (params->vlen < 2 || params->val[0] != '"'))) {
                say(out, "error: %s line %ld: not a decision log record\n", fs[f].name, line);
                status = 2;
                break;
            }
            unsigned flags =
                ex && ex->vlen == 4 && memcmp(ex->val, "true", 4) == 0 ? CAV_EXPLAIN : 0;
            cav_buf_clear(&now);
            cav_buf_clear(&then);
            if (redecide(p, query, params, flags, &now, &scratch) != 0 ||
                repack(dec, pack, p, &then) != 0) {
                say(out, "error: out of memory\n");
                status = 2;
                break;
            }
            (*nrecords)++;
            if (now.len != then.len || memcmp(now.data, then.data, now.len) != 0) {
                (*ndiff)++;
                if (json) {
                    cav_buf_append(out, "{\"seq\":", 7);
                    cav_buf_append(out, seq->val, seq->vlen);
                    cav_buf_append(out, ",\"request\":", 11);
                    cav_buf_append(out, req->val, req->vlen);
                    cav_buf_append(out, ",\"logged\":", 10);
                    cav_buf_append(out, dec->val, dec->vlen);
                    cav_buf_append(out, ",\"now\":", 7);
                    cav_buf_append(out, now.data, now.len);
                    cav_buf_append(out, "}\n", 2);
                } else {
                    char was[32], is[32];
                    verdict_of(dec->val, dec->vlen, was, sizeof was);
                    verdict_of(now.data, now.len, is, sizeof is);
                    say(out, "record %.*s (request %.*s, %s line %ld): %s -> %s%s\n",
                        (int)seq->vlen, seq->val, (int)req->vlen, req->val, fs[f].name, line, was,
                        is, strcmp(was, is) == 0 ? " (rules, dates or explanation differ)" : "");
                    say(out, "  logged: %.*s\n", (int)(dec->vlen > 900 ? 900 : dec->vlen),
                        dec->val);
                    say(out, "  now:    %.*s\n", (int)(now.len > 900 ? 900 : now.len), now.data);
                }
            }
            off += n + 1;
            line++;
        }
    }
    cav_buf_free(&now);
    cav_buf_free(&then);
    cav_buf_free(&scratch);
    unmap_files(fs, nfiles);
    return status;
}
