/* cmd_sources.c — `caveat sources`: every source of the pack with the rules, notes and zones
 * that cite it, so a reader can go from a claim to its evidence and back. */
#include "cli/cli.h"
#include "core/util.h"
#include "lang/pack.h"

#include <string.h>

static const char sources_help[] =
    "usage: caveat sources [--policy P]... [--format text|md|json]\n\n"
    "Every source (outlet, date, address) with the rules, notes and zones that cite it.\n";

static int cites(const int *v, int n, int s) {
    for (int i = 0; i < n; i++)
        if (v[i] == s)
            return 1;
    return 0;
}

static void put_json(const char *s) {
    char buf[2048];
    cav_out o;
    cav__out_init(&o, buf, sizeof buf);
    if (s)
        cav__out_json_str(&o, s);
    else
        cav__out_puts(&o, "null");
    fputs(buf, stdout);
}

/* The ids citing source s, as "a, b" (text/md) or a JSON array. */
static void citing(const cav_pack *p, int s, int json) {
    int n = 0;
    if (json)
        fputs("[", stdout);
    for (int r = 0; r < p->nrules; r++)
        if (cites(p->rules[r].sources, p->rules[r].nsources, s)) {
            fputs(n++ ? ", " : "", stdout);
            json ? put_json(p->rules[r].id) : (void)fputs(p->rules[r].id, stdout);
        }
    for (int k = 0; k < p->nnotes; k++)
        if (cites(p->notes[k].sources, p->notes[k].nsources, s)) {
            fputs(n++ ? ", " : "", stdout);
            if (json)
                put_json(p->notes[k].id);
            else
                printf("%s (note)", p->notes[k].id);
        }
    if (json)
        fputs("]", stdout);
    else if (n == 0)
        fputs("(cited by no rule or note)", stdout);
}

int cmd_sources(int argc, char **argv) {
    const char *policies[64], *format = "text";
    int np = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(sources_help, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc && np < 64) {
            policies[np++] = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else {
            fputs(sources_help, stderr);
            return CLI_USAGE;
        }
    }
    int md = strcmp(format, "md") == 0, json = strcmp(format, "json") == 0;
    if (!md && !json && strcmp(format, "text") != 0) {
        fprintf(stderr, "caveat sources: --format must be text, md or json, not '%s'\n", format);
        return CLI_USAGE;
    }
    cav_pack *p = cli_load_pack(policies, np, 0);
    if (!p)
        return CLI_USAGE;
    if (md)
        puts("| source | date | outlet | title | address | cited by |\n"
             "| --- | --- | --- | --- | --- | --- |");
    if (json)
        fputs("[", stdout);
    for (int s = 0; s < p->nsources; s++) {
        const cav_source *src = &p->sources[s];
        char date[11];
        cav_date_format(src->date, date);
        if (json) {
            printf("%s\n  {\"source\": ", s ? "," : "");
            put_json(src->id);
            printf(", \"date\": \"%s\", \"outlet\": ", date);
            put_json(src->outlet);
            fputs(", \"title\": ", stdout);
            put_json(src->title);
            fputs(", \"url\": ", stdout);
            put_json(src->url);
            fputs(", \"cited_by\": ", stdout);
            citing(p, s, 1);
            fputs("}", stdout);
        } else if (md) {
            printf("| `%s` | %s | %s | %s | %s | ", src->id, date, src->outlet,
                   src->title ? src->title : "", src->url ? src->url : "");
            citing(p, s, 0);
            puts(" |");
        } else {
            printf("%s  %s  %s%s%s\n  %s\n  cited by: ", src->id, date, src->outlet,
                   src->title ? ": " : "", src->title ? src->title : "",
                   src->url ? src->url : "(no address)");
            citing(p, s, 0);
            puts("\n");
        }
    }
    if (json)
        puts("\n]");
    cav_pack_release(p);
    return CLI_OK;
}
