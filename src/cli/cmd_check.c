/* cmd_check.c — `caveat check`: one decision line per query line, in order, always.
 *
 * Input is NDJSON (one query per line) from a file or stdin; a file may also hold one
 * pretty-printed query or a JSON array of queries. A line that cannot be evaluated gives an error
 * object naming the field and the line, and the run goes on. Flags (--weapon, --lat, ...) ask
 * one question without writing JSON. Exit status: 0 every query evaluated, 1 some line was an
 * error, 2 usage or policy error.
 */
#include "cli/cli.h"
#include "core/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char check_help[] =
    "usage: caveat check [--policy DIR|FILE]... [--date D] [--explain] [--format json|text]\n"
    "                    [QUERY.json | -]\n"
    "       caveat check [--policy ...] --weapon W --lat LAT --lon LON --kind K [--date D]\n"
    "                    [--state ground|airborne] [--purpose P] [--supplier PARTY]\n"
    "                    [--launch-lat LAT --launch-lon LON] [--id ID] [--explain]\n\n"
    "Decides whether each use is permitted under the conditions in force on its date, by every\n"
    "party whose consent it needs. Reads NDJSON queries (one per line) from QUERY.json or stdin\n"
    "and writes one decision per line (DESIGN.md format). A file may also hold one query or a\n"
    "JSON array of queries.\n\n"
    "  --policy P    load the pack from P (repeatable); default: the embedded pack\n"
    "  --date D      date (YYYY-MM-DD) for queries that give none\n"
    "  --explain     for prohibited uses, say which conditions of the nearest permits failed\n"
    "  --format F    json (default) or text\n\n"
    "Exit status: 0 all queries evaluated, 1 some line was an error, 2 usage or policy error.\n";

typedef struct check_opts {
    const char *policies[64];
    int npolicies;
    const char *date, *format, *input;
    unsigned flags;
    /* one question from flags */
    const char *weapon, *lat, *lon, *kind, *state, *purpose, *supplier, *llat, *llon, *id;
} check_opts;

typedef struct out_ctx {
    const cav_pack *pack;
    const check_opts *o;
    int text;
    char *buf;
    size_t cap;
    int errors;
} out_ctx;

static void emit_error(out_ctx *c, const char *id, long line, const char *field, const char *msg) {
    if (c->text) {
        printf("%s%sline %ld: error: %s%s%s\n", strcmp(id, "null") ? id : "",
               strcmp(id, "null") ? ": " : "", line, field[0] ? field : "", field[0] ? ": " : "",
               msg);
    } else {
        char tmp[2048];
        cav_out o;
        cav__out_init(&o, tmp, sizeof tmp);
        cav__out_printf(&o, "{\"id\": %s, \"error\": {\"field\": ", id);
        if (field[0])
            cav__out_json_str(&o, field);
        else
            cav__out_puts(&o, "null");
        cav__out_printf(&o, ", \"line\": %ld, \"message\": ", line);
        cav__out_json_str(&o, msg);
        cav__out_puts(&o, "}}");
        puts(tmp);
    }
    c->errors++;
}

static void emit_decision(out_ctx *c, const cav_query *q, const char *id) {
    cav_decision d;
    if (cav_eval(c->pack, q, &d) != 0) {
        emit_error(c, id, 0, "", "the query names ids the pack does not have");
        return;
    }
    for (;;) {
        size_t need = c->text ? cav_explain(c->pack, q, &d, c->o->flags, c->buf, c->cap)
                              : cav_decision_json(c->pack, q, &d, id, c->o->flags, c->buf, c->cap);
        if (need < c->cap)
            break;
        char *g = realloc(c->buf, need + 1);
        if (!g) {
            emit_error(c, id, 0, "", "out of memory");
            return;
        }
        c->buf = g;
        c->cap = need + 1;
    }
    if (c->text)
        printf("%s%s%s: %s\n", strcmp(id, "null") ? id : "", strcmp(id, "null") ? " " : "",
               cav_verdict_name(d.verdict), c->buf);
    else
        puts(c->buf);
}

/* Adds the --date default to a query object that has no date. */
static void check_text(out_ctx *c, const char *text, size_t len, long line) {
    cav_query q;
    char id[256], field[64], msg[512];
    int rc = cav_query_parse_json(c->pack, text, len, &q, id, sizeof id, field, sizeof field, msg,
                                  sizeof msg);
    if (rc != 0 && c->o->date && strcmp(field, "date") == 0 && strstr(msg, "missing")) {
        /* the query gives no date: use --date */
        json_t *root = json_loadb(text, len, 0, NULL);
        if (root && json_object_set_new(root, "date", json_string(c->o->date)) == 0) {
            char *s = json_dumps(root, JSON_COMPACT);
            if (s) {
                rc = cav_query_parse_json(c->pack, s, strlen(s), &q, id, sizeof id, field,
                                          sizeof field, msg, sizeof msg);
                free(s);
            }
        }
        json_decref(root);
    }
    if (rc != 0)
        emit_error(c, id, line, field, msg);
    else
        emit_decision(c, &q, id);
}

static int from_flags(out_ctx *c, const check_opts *o) {
    json_t *q = json_object(), *t = json_object();
    char *end;
    int bad = 0;
    json_object_set_new(q, "date", json_string(o->date ? o->date : ""));
    if (o->id)
        json_object_set_new(q, "id", json_string(o->id));
    json_object_set_new(q, "weapon", json_string(o->weapon));
    if (o->supplier)
        json_object_set_new(q, "supplier", json_string(o->supplier));
    if (o->purpose)
        json_object_set_new(q, "purpose", json_string(o->purpose));
    const char *nums[4] = {o->lat, o->lon, o->llat, o->llon};
    double v[4] = {0};
    for (int i = 0; i < 4; i++)
        if (nums[i]) {
            v[i] = strtod(nums[i], &end);
            if (end == nums[i] || *end) {
                fprintf(stderr, "caveat check: '%s' is not a number\n", nums[i]);
                bad = 1;
            }
        }
    json_object_set_new(t, "lat", json_real(v[0]));
    json_object_set_new(t, "lon", json_real(v[1]));
    if (o->kind)
        json_object_set_new(t, "kind", json_string(o->kind));
    if (o->state)
        json_object_set_new(t, "state", json_string(o->state));
    json_object_set_new(q, "target", t);
    if (o->llat || o->llon) {
        json_t *l = json_object();
        json_object_set_new(l, "lat", json_real(v[2]));
        json_object_set_new(l, "lon", json_real(v[3]));
        json_object_set_new(q, "launch", l);
    }
    if (!o->date) {
        fputs("caveat check: --date is required with --weapon\n", stderr);
        bad = 1;
    }
    if (!o->lat || !o->lon || !o->kind) {
        fputs("caveat check: --weapon needs --lat, --lon and --kind\n", stderr);
        bad = 1;
    }
    char *s = bad ? NULL : json_dumps(q, JSON_COMPACT);
    json_decref(q);
    if (!s)
        return CLI_USAGE;
    check_text(c, s, strlen(s), 1);
    free(s);
    return c->errors ? CLI_INPUT_ERRORS : CLI_OK;
}

/* A whole file that is one JSON object or an array of them. Returns 1 when handled. */
static int whole_file(out_ctx *c, FILE *f) {
    long start = ftell(f);
    if (start < 0)
        return 0;
    char *buf = malloc(CAV_MAX_LINE + 1);
    if (!buf)
        return 0;
    size_t n = fread(buf, 1, CAV_MAX_LINE + 1, f);
    int handled = 0;
    if (n <= CAV_MAX_LINE && memchr(buf, '\n', n) != NULL) {
        json_t *root = json_loadb(buf, n, 0, NULL);
        if (json_is_object(root) && memchr(buf, '\n', n) != buf + n - 1) {
            check_text(c, buf, n, 1);
            handled = 1;
        } else if (json_is_array(root)) {
            size_t i;
            json_t *v;
            json_array_foreach(root, i, v) {
                char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                if (s)
                    check_text(c, s, strlen(s), (long)i + 1);
                else
                    emit_error(c, "null", (long)i + 1, "", "out of memory");
                free(s);
            }
            handled = 1;
        }
        json_decref(root);
    }
    free(buf);
    if (!handled)
        fseek(f, start, SEEK_SET);
    return handled;
}

static int run_stream(out_ctx *c, FILE *f) {
    char *line = NULL;
    size_t cap = 0;
    long n, lineno = 0;
    while ((n = cli_read_line(f, &line, &cap)) != -1) {
        lineno++;
        if (n == -2)
            emit_error(c, "null", lineno, "", "line is longer than 1 MiB");
        else if (n == 0 || strspn(line, " \t") == (size_t)n)
            emit_error(c, "null", lineno, "", "empty line: expected a JSON query");
        else
            check_text(c, line, (size_t)n, lineno);
    }
    free(line);
    if (ferror(f)) {
        perror("caveat check: read");
        return CLI_USAGE;
    }
    return c->errors ? CLI_INPUT_ERRORS : CLI_OK;
}

static int parse_args(int argc, char **argv, check_opts *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(check_help, stdout);
            return 1;
        } else if (strcmp(a, "--explain") == 0) {
            o->flags |= CAV_EXPLAIN_NEAREST;
            continue;
        } else if (strcmp(a, "--policy") == 0) {
            if (o->npolicies == 64) {
                fputs("caveat check: too many --policy\n", stderr);
                return -1;
            }
            slot = &o->policies[o->npolicies++];
        } else if (strcmp(a, "--date") == 0)
            slot = &o->date;
        else if (strcmp(a, "--format") == 0)
            slot = &o->format;
        else if (strcmp(a, "--weapon") == 0)
            slot = &o->weapon;
        else if (strcmp(a, "--lat") == 0)
            slot = &o->lat;
        else if (strcmp(a, "--lon") == 0)
            slot = &o->lon;
        else if (strcmp(a, "--kind") == 0)
            slot = &o->kind;
        else if (strcmp(a, "--state") == 0)
            slot = &o->state;
        else if (strcmp(a, "--purpose") == 0)
            slot = &o->purpose;
        else if (strcmp(a, "--supplier") == 0)
            slot = &o->supplier;
        else if (strcmp(a, "--launch-lat") == 0)
            slot = &o->llat;
        else if (strcmp(a, "--launch-lon") == 0)
            slot = &o->llon;
        else if (strcmp(a, "--id") == 0)
            slot = &o->id;
        else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "caveat check: unknown option '%s' (see caveat check --help)\n", a);
            return -1;
        } else if (!o->input) {
            o->input = a;
            continue;
        } else {
            fputs("caveat check: give one input file (or - for stdin)\n", stderr);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "caveat check: %s needs a value\n", a);
            return -1;
        }
        *slot = argv[++i];
    }
    if (o->format && strcmp(o->format, "json") != 0 && strcmp(o->format, "text") != 0) {
        fprintf(stderr, "caveat check: --format must be json or text, not '%s'\n", o->format);
        return -1;
    }
    int32_t days;
    if (o->date && cav_date_parse(o->date, &days) != 0) {
        fprintf(stderr, "caveat check: --date '%s' is no date (YYYY-MM-DD)\n", o->date);
        return -1;
    }
    if (o->weapon && o->input) {
        fputs("caveat check: give either --weapon ... or an input file, not both\n", stderr);
        return -1;
    }
    return 0;
}

int cmd_check(int argc, char **argv) {
    check_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    FILE *f = stdin;
    if (!o.weapon && o.input && strcmp(o.input, "-") != 0) {
        f = fopen(o.input, "r");
        if (!f) {
            perror(o.input);
            return CLI_USAGE;
        }
    }
    cav_pack *p = cli_load_pack(o.policies, o.npolicies, 0);
    if (!p) {
        if (f != stdin)
            fclose(f);
        return CLI_USAGE;
    }
    out_ctx c = {.pack = p, .o = &o, .text = o.format && strcmp(o.format, "text") == 0};
    if (o.weapon)
        rc = from_flags(&c, &o);
    else if (f != stdin && whole_file(&c, f))
        rc = c.errors ? CLI_INPUT_ERRORS : CLI_OK;
    else
        rc = run_stream(&c, f);
    if (f != stdin)
        fclose(f);
    if (fflush(stdout) != 0) {
        perror("caveat check: write");
        rc = CLI_USAGE;
    }
    free(c.buf);
    cav_pack_release(p);
    return rc;
}
