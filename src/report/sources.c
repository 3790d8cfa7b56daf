/* sources.c — `caveat sources`: every source of the pack with the rules, notes and zones that
 * cite it, so a reader can go from a claim to its evidence and back. */
#include "report/report.h"

#include <string.h>

static int cites(const int *v, int n, int s) {
    for (int i = 0; i < n; i++)
        if (v[i] == s)
            return 1;
    return 0;
}

/* The ids citing source s: text/md "a, b (note), z (zone)", or json strings. */
static void citing(const cav_pack *p, int s, cav_format fmt, cav_buf *o) {
    int n = 0;
    for (int r = 0; r < p->nrules; r++)
        if (cites(p->rules[r].sources, p->rules[r].nsources, s)) {
            cav__buf_puts(o, n++ ? ", " : "");
            if (fmt == CAV_FMT_JSON)
                cav__buf_json_str(o, p->rules[r].id);
            else if (fmt == CAV_FMT_MD)
                cav__buf_md(o, p->rules[r].id, strlen(p->rules[r].id));
            else
                cav__buf_puts(o, p->rules[r].id);
        }
    for (int k = 0; k < p->nnotes; k++)
        if (cites(p->notes[k].sources, p->notes[k].nsources, s)) {
            cav__buf_puts(o, n++ ? ", " : "");
            if (fmt == CAV_FMT_JSON)
                cav__buf_json_str(o, p->notes[k].id);
            else if (fmt == CAV_FMT_MD)
                cav__buf_md(o, p->notes[k].id, strlen(p->notes[k].id));
            else
                cav__buf_puts(o, p->notes[k].id);
            if (fmt != CAV_FMT_JSON)
                cav__buf_puts(o, " (note)");
        }
    for (int z = 0; z < p->nzones; z++)
        if (cites(p->zones[z].sources, p->zones[z].nsources, s)) {
            cav__buf_puts(o, n++ ? ", " : "");
            if (fmt == CAV_FMT_JSON)
                cav__buf_json_str(o, p->zones[z].id);
            else if (fmt == CAV_FMT_MD)
                cav__buf_md(o, p->zones[z].id, strlen(p->zones[z].id));
            else
                cav__buf_puts(o, p->zones[z].id);
            if (fmt != CAV_FMT_JSON)
                cav__buf_puts(o, " (zone)");
        }
    if (n == 0 && fmt != CAV_FMT_JSON)
        cav__buf_puts(o, "(cited by nothing)");
}

int cav_sources(const cav_pack *p, cav_format fmt, cav_buf *o) {
    if (!p || (fmt != CAV_FMT_TEXT && fmt != CAV_FMT_MD && fmt != CAV_FMT_JSON))
        return CAV_EINVAL;
    if (fmt == CAV_FMT_MD)
        cav__buf_puts(o, "| source | date | outlet | title | address | cited by |\n"
                         "| --- | --- | --- | --- | --- | --- |\n");
    if (fmt == CAV_FMT_JSON)
        cav__buf_puts(o, "[");
    for (int s = 0; s < p->nsources; s++) {
        const cav_source *src = &p->sources[s];
        char date[11] = "";
        if (src->has_date)
            cav_date_format(src->date, date);
        const char *title = src->title ? src->title : "", *url = src->url ? src->url : "";
        if (fmt == CAV_FMT_JSON) {
            cav__buf_puts(o, s ? ",\n  {\"source\": " : "\n  {\"source\": ");
            cav__buf_json_str(o, src->id);
            cav__buf_printf(o, ", \"date\": \"%s\", \"outlet\": ", date);
            cav__buf_json_str(o, src->outlet);
            cav__buf_puts(o, ", \"title\": ");
            cav__buf_json_str(o, src->title);
            cav__buf_puts(o, ", \"url\": ");
            cav__buf_json_str(o, src->url);
            cav__buf_puts(o, ", \"cited_by\": [");
            citing(p, s, fmt, o);
            cav__buf_puts(o, "]}");
        } else if (fmt == CAV_FMT_MD) {
            cav__buf_puts(o, "| `");
            cav__buf_md(o, src->id, strlen(src->id));
            cav__buf_printf(o, "` | %s | ", date);
            cav__buf_md(o, src->outlet, strlen(src->outlet));
            cav__buf_puts(o, " | ");
            cav__buf_md(o, title, strlen(title));
            cav__buf_puts(o, " | ");
            cav__buf_md(o, url, strlen(url));
            cav__buf_puts(o, " | ");
            citing(p, s, fmt, o);
            cav__buf_puts(o, " |\n");
        } else {
            cav__buf_printf(o, "%s  %s  ", src->id, date);
            cav__report_line(o, src->outlet);
            if (*title) {
                cav__buf_puts(o, ": ");
                cav__report_line(o, title);
            }
            cav__buf_puts(o, "\n  ");
            cav__report_line(o, *url ? url : "(no address)");
            cav__buf_puts(o, "\n  cited by: ");
            citing(p, s, fmt, o);
            cav__buf_puts(o, "\n\n");
        }
    }
    if (fmt == CAV_FMT_JSON)
        cav__buf_puts(o, p->nsources ? "\n]\n" : "]\n");
    return cav__buf_status(o);
}
