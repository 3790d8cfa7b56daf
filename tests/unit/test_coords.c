/* test_coords.c — unit tests of the audit's coordinate readers (src/batch/coords.c, mgrs.cpp):
 * degrees-minutes-seconds in the spellings logs use agree with PROJ's proj_dmstor on random
 * values; bad DMS texts are refused; MGRS references read back to the point they were made from
 * (within the square), with and without spaces; bad references are refused with a message. */
#include "batch/audit.h"
#include "check.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>

/* cav__dms_parse of a NUL-terminated text. */
static int dms(const char *s, int lat, double *v) {
    return cav__dms_parse(s, strlen(s), lat, v);
}

static void test_dms(void) {
    double v;
    CHECK(dms("50\xc2\xb0"
              "36'12.5\"N",
              1, &v) == 0 &&
          fabs(v - 50.603472222) < 1e-8);
    CHECK(dms("N 50 36 12.5", 1, &v) == 0 && fabs(v - 50.603472222) < 1e-8);
    CHECK(dms("36:35:24E", 0, &v) == 0 && fabs(v - 36.59) < 1e-9);
    CHECK(dms("50d36m12.5sS", 1, &v) == 0 && fabs(v + 50.603472222) < 1e-8);
    CHECK(dms("36\xe2\x80\xb2", 0, &v) != 0); /* minutes without degrees */
    CHECK(dms("50\xc2\xb0"
              "70'N",
              1, &v) != 0); /* 70 minutes */
    CHECK(dms("50\xc2\xb0"
              "10'E",
              1, &v) != 0);                /* E on a latitude */
    CHECK(dms("95\xc2\xb0N", 1, &v) != 0); /* beyond the pole */
    CHECK(dms("50.5", 1, &v) != 0);        /* decimal: not DMS */
    CHECK(dms("abc", 1, &v) != 0);
    /* random values against PROJ */
    unsigned seed = 7;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        int d = (int)(seed >> 8) % 90, m = (int)(seed >> 3) % 60, t = (int)(seed >> 12) % 600;
        char ours[64], theirs[64];
        snprintf(ours, sizeof ours, "%d\xc2\xb0%02d'%02d.%d\"%c", d, m, t / 10, t % 10,
                 i % 2 ? 'N' : 'S');
        snprintf(theirs, sizeof theirs, "%dd%02d'%02d.%d\"%c", d, m, t / 10, t % 10,
                 i % 2 ? 'N' : 'S');
        char *rest;
        double want = proj_dmstor(theirs, &rest) * 57.29577951308232;
        bad += cav__dms_parse(ours, strlen(ours), 1, &v) != 0 || fabs(v - want) > 1e-9;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_mgrs(void) {
    char m[64], msg[200];
    double lat, lon;
    CHECK(cav__mgrs_format(50.6, 36.59, -1, 5, m, sizeof m) == 0);
    CHECK(cav__mgrs_parse(m, strlen(m), &lat, &lon, NULL, msg, sizeof msg) == 5);
    CHECK(fabs(lat - 50.6) < 2e-5 && fabs(lon - 36.59) < 2e-5);
    CHECK(cav__mgrs_parse("37U DB 12345 67890", 18, &lat, &lon, NULL, msg, sizeof msg) == 5);
    double lat2, lon2;
    CHECK(cav__mgrs_parse("37UDB1234567890", 15, &lat2, &lon2, NULL, msg, sizeof msg) == 5);
    CHECK(lat == lat2 && lon == lon2);
    CHECK(cav__mgrs_parse("37UDB12", 7, &lat, &lon, NULL, msg, sizeof msg) ==
          1); /* a 10 km square */
    CHECK(cav__mgrs_parse("99ZZZ1", 6, &lat, &lon, NULL, msg, sizeof msg) < 0 && msg[0]);
    CHECK(cav__mgrs_parse("", 0, &lat, &lon, NULL, msg, sizeof msg) < 0);
    /* squares whose centre is beyond their zone's edge write back to themselves in their own
     * zone (fuzz findings): a polar square at 76 degrees south, a zone 31 square at 7.6 E */
    const char *edge[] = {"ALA22", "31UGA99"};
    for (int i = 0; i < 2; i++) {
        int zone;
        CHECK(cav__mgrs_parse(edge[i], strlen(edge[i]), &lat, &lon, &zone, msg, sizeof msg) == 1);
        CHECK_EQ_INT(zone, i ? 31 : 0);
        CHECK(cav__mgrs_format(lat, lon, zone, 1, m, sizeof m) == 0);
        CHECK(strcmp(m, edge[i]) == 0);
        CHECK(cav__mgrs_format(lat, lon, -1, 1, m, sizeof m) == 0);
        CHECK(strcmp(m, edge[i]) != 0); /* the standard zone names another square */
    }
}

int main(void) {
    test_dms();
    test_mgrs();
    return check_done();
}
