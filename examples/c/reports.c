/* reports.c — the reports of a pack, each one call writing text, Markdown or JSON into a cav_buf:
 * the history of the conditions (cav_timeline), what changed between two dates (cav_diff), the
 * sources (cav_sources), what contains a point (cav_where), which weapons may be used for one use
 * (cav_can), and the catalogs (cav_catalog_write). */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "reports: unexpected: %s\n", what);
        failed = 1;
    }
}

/* Prints the first `lines` lines of a report, each cut at 110 characters. */
static void show(const char *title, const cav_buf *b, int lines) {
    printf("== %s\n", title);
    const char *s = b->data ? b->data : "";
    for (int i = 0; i < lines && *s; i++) {
        size_t n = strcspn(s, "\n");
        printf("%.*s%s\n", n > 110 ? 110 : (int)n, s, n > 110 ? "..." : "");
        s += n + (s[n] == '\n');
    }
}

static int find(const cav_pack *pack, cav_catalog c, const char *name) {
    return cav_catalog_find(pack, c, name, strlen(name));
}

static void history(const cav_pack *pack) {
    cav_buf b = {0};
    /* every change of the conditions on US ATACMS, in date order */
    cav_filter f = {find(pack, CAV_CAT_PARTY, "US"), find(pack, CAV_CAT_WEAPON, "ATACMS")};
    expect(cav_timeline(pack, &f, CAV_FMT_TEXT, &b) == 0, "a timeline");
    show("timeline, US ATACMS", &b, 4);
    int sorted = 1;
    for (const char *row = b.data; row && *row; row = strchr(row, '\n') + 1) {
        const char *next = strchr(row, '\n');
        if (!next)
            break;
        sorted &= next[1] == '\0' || strncmp(row, next + 1, 10) <= 0; /* YYYY-MM-DD first */
    }
    expect(sorted, "rows in date order");

    int32_t before, after;
    cav_date_parse("2024-05-29", &before);
    cav_date_parse("2024-06-10", &after);
    cav_filter us = {find(pack, CAV_CAT_PARTY, "US"), -1};
    cav_buf_clear(&b);
    expect(cav_diff(pack, before, after, &us, CAV_FMT_MD, &b) == 0, "a diff");
    show("what changed for the US, 2024-05-29 to 2024-06-10 (Markdown)", &b, 6);
    expect(strstr(b.data, "us-kharkiv-counterfire") != NULL, "the counterfire permit came");
    cav_buf_free(&b);
}

static void sources(const cav_pack *pack) {
    cav_buf b = {0};
    expect(cav_sources(pack, CAV_FMT_TEXT, &b) == 0, "the sources");
    show("sources", &b, 3);
    cav_buf_free(&b);
}

static void places(const cav_pack *pack) {
    cav_buf b = {0};
    expect(cav_where(pack, 44.95, 34.10, 0, CAV_FMT_TEXT, &b) == 0, "where");
    show("where is Simferopol (44.95 N, 34.10 E)", &b, 3);
    expect(strncmp(b.data, "country UA", 10) == 0, "Crimea is Ukraine");
    cav_buf_clear(&b);
    cav_where(pack, 50.60, 36.59, 3000, CAV_FMT_JSON, &b); /* a position known to 3 km */
    show("where, as JSON", &b, 1);
    cav_buf_clear(&b);
    expect(cav_where(pack, 95, 0, 0, CAV_FMT_TEXT, &b) == CAV_EINVAL, "latitude 95");
    expect(cav_where(pack, 50, 36, 0, CAV_FMT_SVG, &b) == CAV_EINVAL, "no SVG of a point");
    cav_buf_free(&b);
}

static void which_weapons(const cav_pack *pack) {
    /* a use without a weapon: cav_can asks every weapon and supplier in turn */
    cav_query use;
    cav_qerrors e;
    cav_query_init(&use, &e);
    cav_query_set_date(&use, pack, "2024-06-10", &e);
    cav_query_set_target(&use, pack, 50.60, 36.59, &e);
    cav_query_set_kind(&use, pack, "forces", &e);
    cav_query_set_role(&use, pack, "attacking", &e);
    cav_query_set_purpose(&use, pack, "counterfire", &e);
    expect(cav_query_finish_use(&use, pack, CAV_USE_WEAPON, &e) == 0, "a use");
    cav_buf b = {0};
    expect(cav_can(pack, &use, 0, CAV_FMT_TEXT, &b) == 0, "can");
    show("which weapons, against attacking forces at 50.60 N 36.59 E on 2024-06-10", &b, 5);
    expect(strstr(b.data, "\ngmlrs          US       permitted") != NULL, "US GMLRS may");
    cav_buf_free(&b);
}

static void catalogs(const cav_pack *pack) {
    cav_buf b = {0};
    expect(cav_catalog_write(pack, CAV_CAT_PURPOSE, CAV_FMT_TEXT, &b) == 0, "one catalog");
    show("the purposes", &b, 5);
    cav_buf_clear(&b);
    expect(cav_catalog_write(pack, -1, CAV_FMT_JSON, &b) == 0 && b.data[0] == '{',
           "every catalog, as JSON");
    cav_buf_free(&b);
}

int main(void) {
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;
    history(pack);
    sources(pack);
    places(pack);
    which_weapons(pack);
    catalogs(pack);
    cav_pack_release(pack);
    return failed;
}
