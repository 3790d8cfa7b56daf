/* mgrs.cpp — MGRS grid references to and from latitude and longitude, through GeographicLib (a C++
 * library: Debian's libgeographiclib-dev), behind two extern "C" functions declared in
 * batch/audit.h, so the rest of the library stays C.
 *
 * Invariants: no C++ exception crosses into C (every one becomes a -1 with a message); the
 * functions keep no state, so any thread may call them.
 */
#include <GeographicLib/MGRS.hpp>
#include <GeographicLib/UTMUPS.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "core/num.h" /* the locale-free character classes (C linkage inside) */

extern "C" {
int cav__mgrs_parse(const char *s, size_t n, double *lat, double *lon, int *zone, char *msg,
                    size_t size);
int cav__mgrs_format(double lat, double lon, int zone, int digits, char *out, size_t size);
}

/* Writes an exception's text into msg, cut at a UTF-8 character boundary. */
static void message(const char *what, char *msg, size_t size) {
    if (!size)
        return;
    size_t n = 0;
    while (what[n] && n + 1 < size)
        n++;
    while (n > 0 && n < std::char_traits<char>::length(what) &&
           (static_cast<unsigned char>(what[n]) & 0xC0) == 0x80)
        n--;
    std::snprintf(msg, size, "%.*s", static_cast<int>(n), what);
}

/* Reads an MGRS reference (spaces allowed between its parts) into the centre of its square: an
 * MGRS reference names a square (1 m to 100 km), whose centre is the best single point, and the
 * caller states the square's size as the position's uncertainty (audit_rows.c). Returns the
 * precision (digits per axis, 0 to 5; the square's side is 10^(5 - precision) m) or -1, and,
 * when zone is not NULL, the reference's grid zone (1 to 60, or 0 for the polar grids). */
int cav__mgrs_parse(const char *s, size_t n, double *lat, double *lon, int *zone, char *msg,
                    size_t size) {
    try {
        std::string t;
        t.reserve(n);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = static_cast<unsigned char>(s[i]);
            if (c == ' ' || c == '\t')
                continue;
            /* letters and digits only: GeographicLib reads past other bytes (a NUL, say) and
             * names a square that does not write back to itself (a fuzz finding) */
            if (!cav__isalnum(c)) {
                message("has a character that is not a letter, a digit or a space", msg, size);
                return -1;
            }
            t.push_back(static_cast<char>(c));
        }
        int z, prec;
        bool northp;
        double x, y;
        GeographicLib::MGRS::Reverse(t, z, northp, x, y, prec, true);
        if (prec < 0) {
            message("names a whole grid zone, not a square", msg, size);
            return -1;
        }
        if (prec > 5) {
            message("gives more than 5 digits an axis (a square under 1 m); give at most 5", msg,
                    size);
            return -1;
        }
        GeographicLib::UTMUPS::Reverse(z, northp, x, y, *lat, *lon);
        if (zone)
            *zone = z;
        return prec;
    } catch (const std::exception &e) {
        message(e.what(), msg, size);
        return -1;
    } catch (...) {
        message("not an MGRS reference", msg, size);
        return -1;
    }
}

/* Writes (lat, lon) in the grid zone given (-1: the point's standard zone). A square at the edge
 * of its zone may have its centre beyond the edge (a UPS square at 76 degrees south, a square of
 * zone 31 centred in zone 32's longitudes): written in the standard zone, that centre would name
 * another square (a fuzz finding), so a reference read is written back in the zone it was read in.
 */
int cav__mgrs_format(double lat, double lon, int zone, int digits, char *out, size_t size) {
    try {
        int z;
        bool northp;
        double x, y, gamma, k;
        GeographicLib::UTMUPS::Forward(lat, lon, z, northp, x, y, gamma, k,
                                       zone < 0 ? GeographicLib::UTMUPS::STANDARD : zone, true);
        std::string t;
        GeographicLib::MGRS::Forward(z, northp, x, y, lat, digits, t);
        if (t.size() + 1 > size)
            return -1;
        std::snprintf(out, size, "%s", t.c_str());
        return 0;
    } catch (...) {
        return -1;
    }
}
