/* cmd_check.c — `caveat check`: one decision for every query, in order, always.
 *
 * Input is any JSON the library's splitter reads (cav_split_next): NDJSON, pretty-printed queries,
 * or one array of queries, from a file or stdin, read in chunks so a stream of any length flows
 * through. A query that cannot be evaluated gives an error line naming its field and line, and the
 * run goes on. Flags (--weapon, --lat, ...) ask one question without writing JSON; they bind
 * through the same setters as every query (cav_query_set).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static cli_list policies;
static const char *date, *format, *fail_on, *id;
static int explain;
static const char *flag[CAV_Q_COUNT];

static const char *const formats[] = {"json", "text", NULL};
static const char *const fail_values[] = {"prohibited", "not-permitted", NULL};

/* The flags that set a query field (the field's name with '.' written '-'). */
static const struct {
    const char *name;
    cav_qfield field;
} flags[] = {
    {"weapon", CAV_Q_WEAPON},
    {"supplier", CAV_Q_SUPPLIER},
    {"lat", CAV_Q_TARGET_LAT},
    {"lon", CAV_Q_TARGET_LON},
    {"uncertainty", CAV_Q_TARGET_UNCERTAINTY},
    {"kind", CAV_Q_TARGET_KIND},
    {"state", CAV_Q_TARGET_STATE},
    {"role", CAV_Q_TARGET_ROLE},
    {"purpose", CAV_Q_PURPOSE},
    {"launch-lat", CAV_Q_LAUNCH_LAT},
    {"launch-lon", CAV_Q_LAUNCH_LON},
    {"launch-uncertainty", CAV_Q_LAUNCH_UNCERTAINTY},
};

static const cli_opt opts[] = {
    CLI_POLICY_OPT(policies),
    {"date", 'd', OPT_STRING, &date, "D",
     "date or RFC 3339 timestamp; with flags the question's, else for queries that give none",
     NULL},
    {"explain", 'e', OPT_FLAG, &explain, NULL,
     "each deciding rule's quote, and for a use not permitted why not (the nearest permits, with "
     "distances) and from when it is permitted",
     NULL},
    {"format", 'f', OPT_STRING, &format, "F", "output format", formats},
    {"fail-on", 0, OPT_STRING, &fail_on, "WHAT",
     "exit with status 3 when a decision is prohibited, or anything but permitted", fail_values},
    {"weapon", 'w', OPT_STRING, &flag[CAV_Q_WEAPON], "W", "ask one question: the weapon", NULL},
    {"supplier", 0, OPT_STRING, &flag[CAV_Q_SUPPLIER], "PARTY", "the supplier", NULL},
    {"lat", 0, OPT_STRING, &flag[CAV_Q_TARGET_LAT], "LAT", "the target's latitude", NULL},
    {"lon", 0, OPT_STRING, &flag[CAV_Q_TARGET_LON], "LON", "the target's longitude", NULL},
    {"uncertainty", 0, OPT_STRING, &flag[CAV_Q_TARGET_UNCERTAINTY], "M",
     "the radius of the target position's uncertainty, in metres", NULL},
    {"kind", 'k', OPT_STRING, &flag[CAV_Q_TARGET_KIND], "K", "the target's kind", NULL},
    {"state", 0, OPT_STRING, &flag[CAV_Q_TARGET_STATE], "S", "ground or airborne", NULL},
    {"role", 0, OPT_STRING, &flag[CAV_Q_TARGET_ROLE], "R", "attacking, supporting or none", NULL},
    {"purpose", 0, OPT_STRING, &flag[CAV_Q_PURPOSE], "U", "why the target is engaged", NULL},
    {"launch-lat", 0, OPT_STRING, &flag[CAV_Q_LAUNCH_LAT], "LAT", "the launch point's latitude",
     NULL},
    {"launch-lon", 0, OPT_STRING, &flag[CAV_Q_LAUNCH_LON], "LON", "the launch point's longitude",
     NULL},
    {"launch-uncertainty", 0, OPT_STRING, &flag[CAV_Q_LAUNCH_UNCERTAINTY], "M",
     "the launch position's uncertainty, in metres", NULL},
    {"id", 0, OPT_STRING, &id, "ID", "the question's id, echoed in its decision", NULL},
    {NULL, 0, 0, NULL, NULL, NULL, NULL}};

typedef struct run {
    const cav_pack *p;
    int text;
    unsigned flags;
    cav_query defaults;
    cav_buf out, id;
    int errors, failed_on, oom;
} run;

/* Prints the lines in r->out (and clears it). Out of memory, no line could be made whole: the run
 * stops there rather than print a cut or false one. */
static void flush_out(run *r) {
    if (r->oom || r->out.failed) {
        fflush(stdout);
        fputs("caveat check: out of memory; stopped\n", stderr);
        exit(CLI_USAGE);
    }
    fwrite(r->out.data ? r->out.data : "", 1, r->out.len, stdout);
    fflush(stdout); /* a line typed (or piped) in is answered before the next is read */
    cav_buf_clear(&r->out);
}

static void count(run *r, int result) {
    if (result == CAV_EQUERY)
        r->errors++;
    else if (fail_on && (result == CAV_PROHIBITED ||
                         (strcmp(fail_on, "not-permitted") == 0 && result != CAV_PERMITTED)))
        r->failed_on = 1;
}

/* Reads the input as it comes, cuts it into documents (cav_split_next) and answers every complete
 * document of what was read at once, on all cores, in input order (cav_answer_batch). */
static int stream(run *r, int fd) {
    size_t cap = 1 << 20, len = 0, dcap = 1024;
    char *buf = malloc(cap + 1);
    cav_doc *docs = malloc(dcap * sizeof *docs);
    int *results = malloc(dcap * sizeof *results);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores, rc = 0;
    if (!buf || !docs || !results)
        r->oom = 1;
    cav_split s;
    cav_split_init(&s);
    for (int eof = 0; !r->oom;) {
        if (!eof && len < cap) {
            ssize_t k = read(fd, buf + len, cap - len);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                perror("caveat check: read");
                rc = CLI_USAGE;
                break;
            }
            eof = k == 0;
            len += (size_t)k;
        }
        size_t start = 0, n = 0;
        for (;;) {
            cav_doc doc;
            size_t used = cav_split_next(&s, buf + start, len - start, eof, &doc);
            start += used;
            if (doc.kind == CAV_DOC_END) {
                if (used == 0)
                    break;
                continue;
            }
            if (n == dcap) {
                cav_doc *dg = realloc(docs, 2 * dcap * sizeof *docs);
                int *rg = realloc(results, 2 * dcap * sizeof *results);
                docs = dg ? dg : docs;
                results = rg ? rg : results;
                if (!dg || !rg) {
                    r->oom = 1;
                    break;
                }
                dcap *= 2;
            }
            docs[n++] = doc;
        }
        if (n && !r->oom) {
            if (cav_answer_batch(r->p, docs, n, &r->defaults, r->flags,
                                 r->text ? CAV_FMT_TEXT : CAV_FMT_JSON, threads, results,
                                 &r->out) != 0)
                r->oom = 1;
            for (size_t i = 0; i < n && !r->oom; i++)
                count(r, results[i]);
            flush_out(r);
        }
        memmove(buf, buf + start, len - start);
        len -= start;
        if (eof && (len == 0 || start == 0))
            break; /* all read, or nothing more can be made of what is left */
        if (len == cap) {
            /* one document fills the buffer: the splitter reports it as too long */
            char *g = realloc(buf, cap * 2 + 1);
            if (!g)
                r->oom = 1;
            else
                buf = g, cap *= 2;
        }
    }
    free(buf);
    free(docs);
    free(results);
    if (r->oom)
        flush_out(r); /* reports and exits */
    return rc;
}

/* One question from the flags. */
static int question(run *r) {
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (flag[flags[i].field])
            cav_query_set(&q, r->p, flags[i].field, flag[flags[i].field],
                          strlen(flag[flags[i].field]), &e);
    if (date)
        cav_query_set_date(&q, r->p, date, &e);
    cav_query_finish(&q, r->p, &e);
    if (e.n) {
        for (int i = 0; i < e.n; i++) {
            const char *name = e.v[i].name;
            for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
                if (e.v[i].field == (int)flags[k].field)
                    name = flags[k].name;
            if (e.v[i].field == CAV_Q_DATE)
                name = "date";
            fprintf(stderr, "caveat check: --%s: %s\n", name, e.v[i].message);
        }
        return CLI_USAGE;
    }
    cav_decision d;
    if (cav_eval(r->p, &q, &d) != 0) {
        fputs("caveat check: the question could not be evaluated\n", stderr);
        return CLI_USAGE;
    }
    cav_buf_clear(&r->id);
    cav_buf_append(&r->id, "null", id ? 0 : 4);
    if (id)
        cav_buf_json_string(&r->id, id, strlen(id));
    if (r->text) {
        if (id) {
            cav_buf_append(&r->out, r->id.data, r->id.len);
            cav_buf_append(&r->out, " ", 1);
        }
        cav_decision_text(r->p, &q, &d, r->flags, &r->out);
    } else {
        cav_decision_json(r->p, &q, &d, r->id.data, r->flags, &r->out);
    }
    count(r, (int)d.verdict);
    cav_buf_append(&r->out, "\n", 1);
    flush_out(r);
    return 0;
}

static int run_check(const char **args, int nargs) {
    int rc = CLI_OK;
    int asking = 0;
    for (int f = 0; f < CAV_Q_COUNT; f++)
        asking |= flag[f] != NULL;
    if (asking && nargs) {
        fputs("caveat check: give either --weapon ... or an input file, not both\n", stderr);
        return CLI_USAGE;
    }
    if (id && !asking) {
        fputs("caveat check: --id goes with a question asked with flags\n", stderr);
        return CLI_USAGE;
    }
    int in = STDIN_FILENO;
    if (nargs && strcmp(args[0], "-") != 0 && (in = open(args[0], O_RDONLY | O_CLOEXEC)) < 0) {
        perror(args[0]);
        return CLI_USAGE;
    }
    cav_pack *p = cli_load_pack(&policies);
    if (!p) {
        if (in != STDIN_FILENO)
            close(in);
        return CLI_USAGE;
    }
    run r = {
        .p = p, .text = format && strcmp(format, "text") == 0, .flags = explain ? CAV_EXPLAIN : 0};
    cav_query_init(&r.defaults, NULL);
    if (date && !asking) {
        cav_qerrors e;
        cav_query_init(&r.defaults, &e);
        if (cav_query_set_date(&r.defaults, p, date, &e) != 0) {
            fprintf(stderr, "caveat check: --date: %s\n", e.v[0].message);
            rc = CLI_USAGE;
            goto done;
        }
    }
    rc = asking ? question(&r) : stream(&r, in);
    if (rc == 0)
        rc = r.errors ? CLI_INPUT_ERRORS : r.failed_on ? CLI_FAIL_ON : CLI_OK;
done:
    if (in != STDIN_FILENO)
        close(in);
    cav_buf_free(&r.out);
    cav_buf_free(&r.id);
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_check = {
    "check",
    "caveat check [OPTIONS] [FILE|-]\n"
    "       caveat check [OPTIONS] --weapon W --lat LAT --lon LON --kind K --date D [...]",
    "decide whether uses are permitted (JSON queries, or one question as flags)",
    "Decides whether each use is permitted under the conditions in force on its date, by every\n"
    "party whose consent it needs: permitted, prohibited, indeterminate (the facts given do not\n"
    "settle it) or unknown (the record is silent). Reads JSON queries from FILE or stdin (NDJSON,\n"
    "pretty-printed queries, or an array) and writes one decision per query, in order; a query\n"
    "that cannot be evaluated gives an error line naming its field and line. Names are listed by\n"
    "`caveat catalog`; the query and decision formats are in docs/semantics.md.\n\n"
    "Exit status: 0 every query evaluated, 1 some query was an error, 2 usage or policy error,\n"
    "3 a decision matched --fail-on.",
    0,
    1,
    opts,
    run_check};
