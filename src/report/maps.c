/* maps.c — the pack's zones and a use's permitted area as GeoJSON and SVG (`caveat zones`,
 * `caveat diff --format svg`, the service's /v1/zones and /v1/diff).
 *
 * Every geometry is read from the pack's WKB into a GEOS context of this call (the pack holds no
 * GEOS object), so maps are drawn on any number of threads at once. The permitted area is
 * computed exactly by lang/area.c; the zones shown with it are the declared zones that the rules
 * in force on the use's date (of the parties whose consent it needs, speaking of its weapon)
 * test, so a map never shows a zone that decides nothing that day. GeoJSON features carry their
 * provenance: the zone's assumption, or for an area the rules in force it rests on, their
 * sources, whether one is disputed, and the assumed zones.
 */
#include "core/alloc.h"
#include "geo/map.h"
#include "lang/area.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

/* The zones to show: o->zones, or the declared zones (with a use: those its rules test). */
static int zones_to_show(const cav_pack *p, const cav_query *use, const cav_map_opts *o, int *out) {
    int n = 0;
    if (o && o->zones) {
        for (int i = 0; i < o->nzones; i++)
            if (o->zones[i] >= 0 && o->zones[i] < p->nzones)
                out[n++] = o->zones[i];
        return n;
    }
    uint64_t used[CAV_MAX_ZONE_WORDS] = {0};
    if (use) {
        int parties[CAV_MAX_PARTIES];
        int np = cav__consent_parties(p, use, parties);
        for (int k = 0; k < np; k++) {
            const cav_epoch *ep = cav__epoch_of(p, parties[k], use->date);
            for (int i = 0; i < ep->nrules; i++) {
                int r = ep->rules[i];
                if (!cav__rule_speaks(p, r, use->weapon))
                    continue;
                int zones[CAV_MAX_ZONE_WORDS * 64];
                int nz = cav__rule_zones(p, r, zones, CAV_MAX_ZONE_WORDS * 64);
                for (int z = 0; z < nz; z++)
                    used[zones[z] >> 6] |= 1ull << (zones[z] & 63);
            }
        }
    }
    for (int z = 0; z < p->nzones; z++)
        if (!p->zones[z].implicit && (!use || ((used[z >> 6] >> (z & 63)) & 1u)))
            out[n++] = z;
    return n;
}

/* The rules in force for the use (its parties, speaking of its weapon), for provenance. */
static int rules_of_use(const cav_pack *p, const cav_query *use, int *out, int max) {
    int parties[CAV_MAX_PARTIES], n = 0;
    int np = cav__consent_parties(p, use, parties);
    for (int k = 0; k < np; k++) {
        const cav_epoch *ep = cav__epoch_of(p, parties[k], use->date);
        for (int i = 0; i < ep->nrules; i++) {
            int r = ep->rules[i], seen = 0;
            if (!cav__rule_speaks(p, r, use->weapon))
                continue;
            for (int j = 0; j < n; j++)
                seen |= out[j] == r;
            if (!seen && n < max)
                out[n++] = r;
        }
    }
    return n;
}

static void consent_text(const cav_pack *p, const cav_query *use, cav_buf *o) {
    int parties[CAV_MAX_PARTIES];
    int np = cav__consent_parties(p, use, parties);
    for (int i = 0; i < np; i++)
        cav__buf_printf(o, "%s%s", i ? ", " : "", p->parties[parties[i]].code);
}

static const char *name_or(const char *s, const char *dflt) {
    return s && *s ? s : dflt;
}

/* One GeoJSON property list for the area: the use and its provenance. */
typedef struct area_props {
    cav_buf consent, rules, sources, assumptions, date;
    int disputed;
} area_props;

static void area_props_of(const cav_pack *p, const cav_query *use, area_props *a) {
    memset(a, 0, sizeof *a);
    consent_text(p, use, &a->consent);
    int rules[256];
    int n = rules_of_use(p, use, rules, 256);
    uint64_t cited[64] = {0}, assumed[CAV_MAX_ZONE_WORDS] = {0};
    for (int i = 0; i < n && i < 256; i++) {
        const cav_rule *r = &p->rules[rules[i]];
        cav__buf_printf(&a->rules, "%s%s", i ? "," : "", r->id);
        a->disputed |= r->disputed != NULL;
        for (int k = 0; k < r->nsources; k++)
            if (r->sources[k] < 64 * 64)
                cited[r->sources[k] >> 6] |= 1ull << (r->sources[k] & 63);
        int zones[64];
        int nz = cav__rule_assumed_zones(p, rules[i], zones, 64);
        for (int z = 0; z < nz && z < 64; z++)
            assumed[zones[z] >> 6] |= 1ull << (zones[z] & 63);
    }
    int k = 0;
    for (int s = 0; s < p->nsources && s < 64 * 64; s++)
        if ((cited[s >> 6] >> (s & 63)) & 1u)
            cav__buf_printf(&a->sources, "%s%s", k++ ? "," : "", p->sources[s].id);
    k = 0;
    for (int z = 0; z < p->nzones; z++)
        if ((assumed[z >> 6] >> (z & 63)) & 1u)
            cav__buf_printf(&a->assumptions, "%s%s", k++ ? "," : "", p->zones[z].id);
    char d[11];
    cav_date_format(use->date, d);
    cav__buf_puts(&a->date, d);
    cav__buf_puts(&a->rules, "");
    cav__buf_puts(&a->sources, "");
    cav__buf_puts(&a->assumptions, "");
}

static void area_props_free(area_props *a) {
    cav_buf_free(&a->consent);
    cav_buf_free(&a->rules);
    cav_buf_free(&a->sources);
    cav_buf_free(&a->assumptions);
    cav_buf_free(&a->date);
}

static int check_use(const cav_pack *p, const cav_query *use) {
    if (!use)
        return 0;
    cav_query q = *use;
    q.target_lat = q.target_lon = 0; /* the target point is what the map varies */
    q.target_uncertainty_m = 0;
    cav_decision d;
    return cav_eval(p, &q, &d) == 0 ? 0 : CAV_EINVAL;
}

int cav_map(const cav_pack *p, const cav_query *use_in, const cav_map_opts *o, cav_format fmt,
            cav_buf *out) {
    if (!p || (fmt != CAV_FMT_GEOJSON && fmt != CAV_FMT_SVG) || check_use(p, use_in))
        return CAV_EINVAL;
    cav_query usebuf, *use = NULL;
    if (use_in) {
        usebuf = *use_in;
        usebuf.target_lat = usebuf.target_lon = 0;
        usebuf.target_uncertainty_m = 0;
        use = &usebuf;
    }
    GEOSContextHandle_t h = GEOS_init_r();
    int *zones = cav__malloc(((size_t)p->nzones + 1) * sizeof *zones);
    GEOSGeometry **geoms = cav__calloc((size_t)p->nzones + 1, sizeof *geoms);
    cav_map_feature *feats = cav__calloc((size_t)p->nzones + 2, sizeof *feats);
    cav_map_layer *layers = cav__calloc((size_t)p->nzones + 2, sizeof *layers);
    cav_buf *labels = cav__calloc((size_t)p->nzones + 2, sizeof *labels);
    GEOSGeometry *area = NULL;
    area_props ap;
    memset(&ap, 0, sizeof ap);
    int rc = CAV_ENOMEM, nz = 0;
    if (!h || !zones || !geoms || !feats || !layers || !labels)
        goto cleanup;
    nz = zones_to_show(p, use, o, zones);
    for (int i = 0; i < nz; i++)
        if (!(geoms[i] = cav__zone_geom(p, zones[i], h))) {
            rc = CAV_EGEO;
            goto cleanup;
        }
    if (use) {
        rc = cav__permitted_area(p, use, h, &area);
        if (rc != 0)
            goto cleanup;
        area_props_of(p, use, &ap);
    }
    if (fmt == CAV_FMT_GEOJSON) {
        int nf = 0;
        if (area) {
            cav_map_feature *f = &feats[nf++];
            const cav_weapon *w = &p->weapons[use->weapon];
            const char *k[] = {"id", "weapon", "supplier", "consent", "kind", "state", "role",
                               "purpose", "date", "decision", "rules", "sources", "disputed",
                               "assumptions"};
            const char *v[] = {"permitted-area",
                               w->id,
                               use->supplier >= 0 ? p->parties[use->supplier].code : NULL,
                               ap.consent.data,
                               p->kinds[use->kind].id,
                               use->state ? "airborne" : "ground",
                               cav_catalog_name(p, CAV_CAT_ROLE, use->role),
                               use->purpose >= 0 ? p->purposes[use->purpose].id : NULL,
                               ap.date.data,
                               "permitted",
                               ap.rules.data,
                               ap.sources.data,
                               ap.disputed ? "true" : "false",
                               ap.assumptions.data};
            f->geom = area;
            f->nprops = 14;
            for (int i = 0; i < f->nprops; i++)
                f->keys[i] = k[i], f->values[i] = v[i];
        }
        for (int i = 0; i < nz; i++) {
            const cav_zone *z = &p->zones[zones[i]];
            cav_map_feature *f = &feats[nf++];
            f->geom = geoms[i];
            f->nprops = 4;
            f->keys[0] = "id", f->values[0] = z->id;
            f->keys[1] = "title", f->values[1] = z->title;
            f->keys[2] = "note", f->values[2] = z->note;
            f->keys[3] = "assumption", f->values[3] = z->assumption;
        }
        rc = cav__geojson_write(h, feats, nf, out);
    } else {
        int nl = 0;
        cav_buf title = {0}, subtitle = {0};
        if (area) {
            const cav_weapon *w = &p->weapons[use->weapon];
            int empty = GEOSisEmpty_r(h, area) != 0;
            cav__buf_printf(&labels[nz], "Permitted%s: %s against %s%s, on %s (consent of %s)",
                            empty ? " nowhere" : " area", name_or(w->title, w->id),
                            name_or(p->kinds[use->kind].title, p->kinds[use->kind].id),
                            use->state ? " (airborne)" : "", ap.date.data, ap.consent.data);
            layers[nl++] = (cav_map_layer){area, labels[nz].data, CAV_LAYER_AREA};
            if (o && o->title)
                cav__buf_puts(&title, o->title);
            else
                cav__buf_printf(&title, "Where may %s be used against %s, on %s?",
                                name_or(w->title, w->id),
                                name_or(p->kinds[use->kind].title, p->kinds[use->kind].id),
                                ap.date.data);
            cav__buf_printf(&subtitle,
                            "Green: permitted by every party whose consent the use needs (%s) "
                            "under the rules of %s in force on %s.%s",
                            ap.consent.data, cav_pack_id(p), ap.date.data,
                            empty ? " The use is permitted nowhere." : "");
        } else {
            if (o && o->title)
                cav__buf_puts(&title, o->title);
            else
                cav__buf_printf(&title, "Zones of %s", cav_pack_id(p));
            cav__buf_printf(&subtitle, "%d zone%s", nz, nz == 1 ? "" : "s");
        }
        for (int i = 0; i < nz; i++) {
            const cav_zone *z = &p->zones[zones[i]];
            cav__buf_puts(&labels[i], name_or(z->title, z->id));
            if (z->assumption)
                cav__buf_puts(&labels[i], " (assumption)");
            layers[nl++] = (cav_map_layer){geoms[i], labels[i].data,
                                           area ? CAV_LAYER_CONTEXT : CAV_LAYER_ZONE};
        }
        cav_svg_map m = {title.data, subtitle.data, layers, nl, 0, 0, 0, 0, 0};
        if (o && o->has_bbox)
            m = (cav_svg_map){title.data, subtitle.data, layers, nl, 1,
                              o->west,    o->south,      o->east, o->north};
        rc = cav__svg_write(h, &m, out);
        cav_buf_free(&title);
        cav_buf_free(&subtitle);
    }
cleanup:
    area_props_free(&ap);
    for (int i = 0; geoms && i < nz; i++)
        if (geoms[i])
            GEOSGeom_destroy_r(h, geoms[i]);
    for (int i = 0; labels && i < nz + 1; i++)
        cav_buf_free(&labels[i]);
    if (area)
        GEOSGeom_destroy_r(h, area);
    cav__free(zones);
    cav__free(geoms);
    cav__free(feats);
    cav__free(layers);
    cav__free(labels);
    if (h)
        GEOS_finish_r(h);
    return rc ? rc : cav__buf_status(out);
}

int cav_map_diff(const cav_pack *p, const cav_query *use, int32_t from, int32_t to,
                 const cav_map_opts *o, cav_format fmt, cav_buf *out) {
    if (!p || !use || (fmt != CAV_FMT_GEOJSON && fmt != CAV_FMT_SVG) || check_use(p, use))
        return CAV_EINVAL;
    cav_query q1 = *use, q2 = *use;
    q1.date = from;
    q2.date = to;
    q1.target_lat = q1.target_lon = q2.target_lat = q2.target_lon = 0;
    q1.target_uncertainty_m = q2.target_uncertainty_m = 0;
    GEOSContextHandle_t h = GEOS_init_r();
    GEOSGeometry *a1 = NULL, *a2 = NULL, *parts[3] = {NULL, NULL, NULL};
    int rc = h ? cav__permitted_area(p, &q1, h, &a1) : CAV_ENOMEM;
    if (rc == 0)
        rc = cav__permitted_area(p, &q2, h, &a2);
    if (rc == 0) {
        parts[0] = GEOSDifference_r(h, a2, a1);   /* grew */
        parts[1] = GEOSDifference_r(h, a1, a2);   /* shrank */
        parts[2] = GEOSIntersection_r(h, a1, a2); /* unchanged */
        if (!parts[0] || !parts[1] || !parts[2])
            rc = CAV_EGEO;
    }
    char d1[11], d2[11];
    cav_date_format(from, d1);
    cav_date_format(to, d2);
    cav_buf changed = {0};
    /* the rules behind the change: in force on one date and not the other */
    for (int r = 0, n = 0; rc == 0 && r < p->nrules; r++) {
        const cav_rule *rule = &p->rules[r];
        int at1 = rule->from <= from && from < rule->until, at2 = rule->from <= to && to < rule->until;
        if (at1 != at2 && cav_rule_concerns(p, r, use->weapon))
            cav__buf_printf(&changed, "%s%s%s", n++ ? "," : "", at2 ? "+" : "-", rule->id);
    }
    cav__buf_puts(&changed, "");
    if (rc == 0 && fmt == CAV_FMT_GEOJSON) {
        const char *changes[3] = {"grew", "shrank", "unchanged"};
        cav_map_feature f[3];
        for (int i = 0; i < 3; i++)
            f[i] = (cav_map_feature){parts[i], 6,
                                     {"id", "change", "from", "to", "weapon", "rules_changed"},
                                     {changes[i], changes[i], d1, d2, p->weapons[use->weapon].id,
                                      changed.data}};
        rc = cav__geojson_write(h, f, 3, out);
    } else if (rc == 0) {
        cav_buf title = {0}, sub = {0}, l[3] = {{0}};
        cav__buf_printf(&l[0], "newly permitted on %s", d2);
        cav__buf_printf(&l[1], "no longer permitted on %s", d2);
        cav__buf_printf(&l[2], "permitted on both dates");
        cav_map_layer layers[3] = {{parts[2], l[2].data, CAV_LAYER_AREA},
                                   {parts[0], l[0].data, CAV_LAYER_ZONE},
                                   {parts[1], l[1].data, CAV_LAYER_ZONE}};
        const cav_weapon *w = &p->weapons[use->weapon];
        if (o && o->title)
            cav__buf_puts(&title, o->title);
        else
            cav__buf_printf(&title, "Where %s against %s was permitted: %s and %s",
                            name_or(w->title, w->id),
                            name_or(p->kinds[use->kind].title, p->kinds[use->kind].id), d1, d2);
        cav__buf_printf(&sub, "Green: both dates; coloured: changed. Rules changed: %s. Pack %s.",
                        changed.len ? changed.data : "none", cav_pack_id(p));
        cav_svg_map m = {title.data, sub.data, layers, 3, 0, 0, 0, 0, 0};
        rc = cav__svg_write(h, &m, out);
        cav_buf_free(&title);
        cav_buf_free(&sub);
        for (int i = 0; i < 3; i++)
            cav_buf_free(&l[i]);
    }
    cav_buf_free(&changed);
    for (int i = 0; i < 3; i++)
        if (parts[i])
            GEOSGeom_destroy_r(h, parts[i]);
    if (a1)
        GEOSGeom_destroy_r(h, a1);
    if (a2)
        GEOSGeom_destroy_r(h, a2);
    if (h)
        GEOS_finish_r(h);
    return rc ? rc : cav__buf_status(out);
}
