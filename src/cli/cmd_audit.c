/* cmd_audit.c — `caveat audit`: every row of event logs decided, in order, on all cores. The audit
 * is the library's (cav_audit_*, docs/audit.md); this file reads the options and places the
 * output through cli_out (io.c): a file named by -o is written completely or not at all, a
 * device is written in place, and neither -o nor --summary may name an input or each other.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static cli_list policies, maps;
static const char *format, *input_format, *delimiter, *columns, *output, *summary, *threads;
static int explain, quiet;
static const char *const formats[] = {"csv", "ndjson", "geojson", NULL};
static const char *const in_formats[] = {"auto", "csv", "ndjson", NULL};

static const cli_opt opts[] = {
    CLI_POLICY_OPT(policies),
    {"format", 'f', OPT_STRING, &format, "F",
     "output format (default: by -o's extension, else the input's, else csv)", formats},
    {"input-format", 0, OPT_STRING, &input_format, "F", "input format (default: detected)",
     in_formats},
    {"delimiter", 'd', OPT_STRING, &delimiter, "D",
     "CSV delimiter: ',', ';' or tab (default: detected from the header)", NULL},
    {"map", 'm', OPT_LIST, &maps, "COL=FIELD",
     "read column COL as query field FIELD (target.mgrs for MGRS, - to keep it out); "
     "repeatable, or comma-separated",
     NULL},
    {"columns", 'c', OPT_STRING, &columns, "LIST",
     "output columns: input, line, date, decision, parties, rule, valid_from, valid_until, "
     "explanation, why (short), error, or an input column",
     NULL},
    {"explain", 'e', OPT_FLAG, &explain, NULL, "explanations with quotes and why-not", NULL},
    {"output", 'o', OPT_STRING, &output, "FILE", "write to FILE (default: stdout)", NULL},
    {"summary", 's', OPT_STRING, &summary, "FILE", "write the summary as JSON to FILE", NULL},
    {"threads", 'j', OPT_STRING, &threads, "N", "worker threads (default: one per core)", NULL},
    {"quiet", 'q', OPT_FLAG, &quiet, NULL, "no summary on stderr", NULL},
    {NULL, 0, 0, NULL, NULL, NULL, NULL}};

static int has_ext(const char *path, const char *ext) {
    size_t n = path ? strlen(path) : 0, e = strlen(ext);
    return n > e && strcmp(path + n - e, ext) == 0;
}

/* Refuses -o and --summary naming an input or each other (cli_out_open checks the inputs too,
 * but only once the pack is loaded; this answers before any work). */
static int check_paths(const char **args, int nargs) {
    const char *outs[2] = {output && strcmp(output, "-") != 0 ? output : NULL, summary};
    const char *names[2] = {"-o", "--summary"};
    for (int k = 0; k < 2; k++)
        for (int i = 0; outs[k] && i < nargs; i++)
            if (strcmp(outs[k], args[i]) == 0 || cav_same_file(outs[k], args[i])) {
                fprintf(stderr,
                        "caveat audit: %s %s: is also an input of this run; write elsewhere\n",
                        names[k], outs[k]);
                return -1;
            }
    if (outs[0] && outs[1] && (strcmp(outs[0], outs[1]) == 0 || cav_same_file(outs[0], outs[1]))) {
        fprintf(stderr, "caveat audit: -o and --summary name the same file\n");
        return -1;
    }
    return 0;
}

static int run_audit(const char **args, int nargs) {
    int rc = CLI_OK;
    char *end = NULL;
    long nthreads = threads ? strtol(threads, &end, 10) : 0;
    if (threads && (*end || nthreads < 1 || nthreads > 256)) {
        fprintf(stderr, "caveat audit: --threads must be 1 to 256, not '%s'\n", threads);
        return CLI_USAGE;
    }
    const char *d = delimiter;
    if (d && strcmp(d, "tab") != 0 && strcmp(d, "\\t") != 0 && strcmp(d, "\t") != 0 &&
        strcmp(d, ",") != 0 && strcmp(d, ";") != 0) {
        fprintf(stderr, "caveat audit: --delimiter must be ',', ';' or tab, not '%s'\n", d);
        return CLI_USAGE;
    }
    const char *first = nargs ? args[0] : "-";
    const char *fmt = format                                                    ? format
                      : has_ext(output, ".ndjson") || has_ext(output, ".jsonl") ? "ndjson"
                      : has_ext(output, ".geojson")                             ? "geojson"
                      : has_ext(output, ".csv")                                 ? "csv"
                      : has_ext(first, ".ndjson") || has_ext(first, ".jsonl")   ? "ndjson"
                                                                                : "csv";
    if (check_paths(args, nargs) != 0)
        return CLI_USAGE;
    cav_buf map = {0}, err = {0}, text = {0};
    for (int i = 0; i < maps.n; i++) {
        cav_buf_append(&map, ",", i ? 1 : 0);
        cav_buf_append(&map, maps.v[i], strlen(maps.v[i]));
    }
    cav_pack *p = cli_load_pack(&policies);
    cav_audit *a = NULL;
    cli_out of = {0};
    rc = CLI_USAGE;
    if (!p)
        goto done;
    cav_audit_opts o = {.inputs = args,
                        .ninputs = (size_t)nargs,
                        .input_format = !input_format || !strcmp(input_format, "auto")
                                            ? CAV_AUDIT_IN_AUTO
                                        : !strcmp(input_format, "csv") ? CAV_AUDIT_IN_CSV
                                                                       : CAV_AUDIT_IN_NDJSON,
                        .output_format = (cav_format)cav_format_find(fmt),
                        .delimiter = (char)(!d                           ? 0
                                            : d[0] == ',' || d[0] == ';' ? d[0]
                                                                         : '\t'),
                        .map = map.data,
                        .columns = columns,
                        .flags = explain ? CAV_EXPLAIN : 0,
                        .threads = (int)nthreads};
    if (cli_out_open(&of, output, "caveat audit", "-o", args) != 0)
        goto done;
    o.out_fd = cav_outfile_fd(of.f);
    if (cav_audit_new(p, &o, &a, &err) != 0 || cav_audit_run(a, &err) != 0) {
        /* every problem on its own line */
        for (char *line = err.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            fprintf(stderr, "caveat audit: %.*s\n", nl ? (int)(nl - line) : (int)strlen(line),
                    line);
        }
        goto done;
    }
    if (cli_out_commit(&of) != 0)
        goto done;
    cav_audit_counts c;
    cav_audit_counts_get(a, &c);
    rc = c.errors ? CLI_INPUT_ERRORS : CLI_OK;
    const char *written[64] = {output};
    for (int i = 0; i < nargs && i < 62; i++)
        written[i + 1] = args[i];
    if (summary && (cav_audit_summary(a, CAV_FMT_JSON, &text) != 0 ||
                    cli_write_output(summary, text.data, text.len, "caveat audit", "--summary",
                                     output ? written : written + 1) != 0))
        rc = CLI_USAGE;
    cav_buf_clear(&text);
    if (!quiet && cav_audit_summary(a, CAV_FMT_TEXT, &text) == 0)
        fputs(text.data, stderr);
done:
    cli_out_abort(&of);
    cav_audit_free(a);
    cav_pack_release(p);
    cav_buf_free(&map);
    cav_buf_free(&err);
    cav_buf_free(&text);
    return rc;
}

const cli_cmd cmd_audit = {
    "audit",
    "caveat audit [OPTIONS] [LOG... | -]",
    "decide every row of event logs (CSV or NDJSON), in order, on all cores",
    "Decides every row of event logs and writes each row with its decision, in input order: rows\n"
    "in = rows out. A row that cannot be evaluated gets every problem of the row in its error\n"
    "column and the run goes on. CSV logs have a header row; columns are read as query fields\n"
    "by --map, by their names (target.lat, target_lat), or by the names logs commonly use (lat,\n"
    "lon, timestamp, system, type, ...): the summary lists which column went where. The delimiter\n"
    "is detected; coordinates may be decimal degrees, degrees-minutes-seconds or MGRS. NDJSON\n"
    "logs are queries as `caveat check` reads them; other members pass through under \"input\".\n"
    "Output: CSV (the input columns, then decision, parties, rule, valid_from, valid_until,\n"
    "explanation, error), NDJSON (line, query, input, and the decision as `caveat check` writes\n"
    "it) or GeoJSON (a point per row). docs/audit.md has the details.\n\n"
    "Exit status: 0 every row evaluated, 1 some row was an error, 2 usage, policy or I/O error.",
    0,
    -1,
    opts,
    run_audit};
