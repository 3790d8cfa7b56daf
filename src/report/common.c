/* common.c — helpers of the report writers (report.h). */
#include "report/report.h"

static void zones_of(const cav_pack *p, int n, uint64_t *seen) {
    if (n < 0)
        return;
    const cav_node *node = &p->nodes[n];
    if (node->op != CAV_N_TEST) {
        zones_of(p, node->a, seen);
        if (node->op != CAV_N_NOT)
            zones_of(p, node->b, seen);
        return;
    }
    if (node->field != CAV_F_TARGET && node->field != CAV_F_LAUNCH)
        return;
    const uint64_t *set = p->words + node->set;
    for (int w = 0; w < p->zone_words; w++)
        seen[w] |= set[w];
}

int cav__rule_assumed_zones(const cav_pack *p, int r, int *out, int max) {
    uint64_t seen[CAV_MAX_ZONE_WORDS] = {0};
    const cav_rule *rule = &p->rules[r];
    zones_of(p, rule->root, seen);
    for (int e = 0; e < rule->nunless; e++)
        zones_of(p, p->rules[rule->unless[e]].root, seen);
    int n = 0;
    for (int z = 0; z < p->nzones; z++)
        if (((seen[z >> 6] & p->assumed[z >> 6]) >> (z & 63)) & 1u) {
            if (n < max)
                out[n] = z;
            n++;
        }
    return n;
}

int cav__rule_zones(const cav_pack *p, int r, int *out, int max) {
    return cav__rule_zones_on(p, r, CAV_NO_DATE, out, max);
}

int cav__rule_zones_on(const cav_pack *p, int r, int32_t date, int *out, int max) {
    uint64_t seen[CAV_MAX_ZONE_WORDS] = {0};
    const cav_rule *rule = &p->rules[r];
    zones_of(p, rule->root, seen);
    for (int e = 0; e < rule->nunless; e++) {
        const cav_rule *ex = &p->rules[rule->unless[e]];
        if (date == CAV_NO_DATE || (ex->from <= date && date < ex->until))
            zones_of(p, ex->root, seen);
    }
    int n = 0;
    for (int z = 0; z < p->nzones; z++)
        if ((seen[z >> 6] >> (z & 63)) & 1u) {
            if (n < max)
                out[n] = z;
            n++;
        }
    return n;
}

void cav__report_line(cav_buf *o, const char *s) {
    for (; s && *s; s++)
        cav__buf_putc(o, *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s);
}
