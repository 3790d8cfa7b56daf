/* canvas_cairo.c — a canvas (canvas.h) drawn with cairo and pango into PNG or PDF.
 *
 * The ops are replayed on a cairo context scaled from page px to device pixels (PNG) or points
 * (PDF). Text is laid out by pango with the same font description and unhinted options that
 * measured it (canvas.c), its baseline put where the SVG puts it; a halo is the glyph outline
 * stroked in white under the fill. A hatched fill is the path used as a clip for parallel lines
 * at 45 degrees, spaced as in the SVG pattern. The PNG or PDF bytes go to the caller's cav_buf
 * through cairo's stream writers; nothing touches a file.
 */
#include "geo/canvas_impl.h"

#include "core/buf.h"

#include <cairo-pdf.h>
#include <math.h>
#include <string.h>

static void set_rgb(cairo_t *cr, uint32_t rgb, double alpha) {
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0,
                          (rgb & 255) / 255.0, alpha);
}

static void trace(cairo_t *cr, const cav_canvas *c, const cav_op *op) {
    cairo_new_path(cr);
    for (size_t i = 0; i < op->npts; i++) {
        const cav_pt *pt = &c->pts[op->pt0 + i];
        if (pt->cmd == 'M')
            cairo_move_to(cr, pt->x, pt->y);
        else if (pt->cmd == 'L')
            cairo_line_to(cr, pt->x, pt->y);
        else
            cairo_close_path(cr);
    }
}

static void hatch(cairo_t *cr, const cav_paint *p) {
    double x0, y0, x1, y1;
    cairo_save(cr);
    cairo_clip_preserve(cr);
    cairo_fill_extents(cr, &x0, &y0, &x1, &y1);
    cairo_new_path(cr);
    /* lines x - y = k * step * sqrt 2, as the SVG pattern rotated by 45 degrees draws them */
    double step = CAV_HATCH_STEP * sqrt(2.0);
    double span = (x1 - x0) + (y1 - y0);
    for (double k = floor((x0 - y1) / step) * step; k <= x1 - y0 + step; k += step) {
        cairo_move_to(cr, k + y0 - 1, y0 - 1);
        cairo_line_to(cr, k + y0 - 1 + span + 2, y0 - 1 + span + 2);
    }
    set_rgb(cr, p->fill, 1);
    cairo_set_line_width(cr, CAV_HATCH_WIDTH);
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void paint_path(cairo_t *cr, const cav_paint *p) {
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    if (p->fill != CAV_NONE) {
        if (p->hatch)
            hatch(cr, p);
        else {
            set_rgb(cr, p->fill, p->fill_opacity > 0 ? p->fill_opacity : 1);
            cairo_fill_preserve(cr);
        }
    }
    if (p->stroke != CAV_NONE && p->stroke_width > 0) {
        set_rgb(cr, p->stroke, p->stroke_opacity > 0 ? p->stroke_opacity : 1);
        cairo_set_line_width(cr, p->stroke_width);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        double dash[2] = {p->dash_on, p->dash_off};
        cairo_set_dash(cr, dash, p->dash_on > 0 ? 2 : 0, 0);
        cairo_stroke_preserve(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_new_path(cr);
}

static void draw_text(cairo_t *cr, PangoLayout *l, const cav_canvas *c, const cav_op *op) {
    const cav_text_style *st = &op->text;
    PangoFontDescription *fd = cav__canvas_font(st);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(l, cav__canvas_str(c, op->str), (int)op->len);
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    double w = (double)logical.width / PANGO_SCALE;
    double x = op->x - (st->anchor == CAV_ANCHOR_MIDDLE ? w / 2
                        : st->anchor == CAV_ANCHOR_END  ? w
                                                        : 0);
    double y = op->y - (double)pango_layout_get_baseline(l) / PANGO_SCALE;
    cairo_move_to(cr, x, y);
    if (st->halo) {
        pango_cairo_layout_path(cr, l);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 3);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
        cairo_move_to(cr, x, y);
    }
    set_rgb(cr, st->colour, 1);
    pango_cairo_show_layout(cr, l);
}

static void replay(cairo_t *cr, const cav_canvas *c) {
    PangoLayout *l = pango_cairo_create_layout(cr);
    cav__canvas_font_options(pango_layout_get_context(l));
    pango_layout_context_changed(l);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    for (size_t i = 0; i < c->nops; i++) {
        const cav_op *op = &c->ops[i];
        switch (op->kind) {
        case CAV_OP_PATH:
            trace(cr, c, op);
            paint_path(cr, &op->paint);
            break;
        case CAV_OP_CIRCLE:
            cairo_new_path(cr);
            cairo_arc(cr, op->x, op->y, op->r, 0, 6.283185307179586);
            paint_path(cr, &op->paint);
            break;
        case CAV_OP_TEXT: draw_text(cr, l, c, op); break;
        case CAV_OP_CLIP:
            cairo_save(cr);
            cairo_rectangle(cr, op->x, op->y, op->w, op->h);
            cairo_clip(cr);
            break;
        case CAV_OP_UNCLIP: cairo_restore(cr); break;
        default: break;
        }
    }
    g_object_unref(l);
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int n) {
    cav_buf *b = closure;
    cav__buf_put(b, (const char *)data, n);
    return b->failed ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

int cav__canvas_cairo(cav_canvas *c, cav_format fmt, double scale, const char *title,
                      cav_buf *out) {
    if ((fmt != CAV_FMT_PNG && fmt != CAV_FMT_PDF) || !(scale > 0) || scale > 16)
        return CAV_EINVAL;
    if (cav__canvas_failed(c))
        return CAV_ENOMEM;
    double w = fmax(1, round(c->w * scale)), h = fmax(1, round(c->h * scale));
    cairo_surface_t *s = fmt == CAV_FMT_PNG
                             ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h)
                             : cairo_pdf_surface_create_for_stream(to_buf, out, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return CAV_ENOMEM;
    }
    if (fmt == CAV_FMT_PDF) {
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "caveat " CAV_VERSION);
        if (title)
            cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
    }
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, scale, scale);
    replay(cr, c);
    int rc = cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : CAV_EIO;
    cairo_destroy(cr);
    if (rc == 0 && fmt == CAV_FMT_PNG)
        rc =
            cairo_surface_write_to_png_stream(s, to_buf, out) == CAIRO_STATUS_SUCCESS ? 0 : CAV_EIO;
    cairo_surface_finish(s);
    if (rc == 0 && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        rc = CAV_EIO;
    cairo_surface_destroy(s);
    if (out->failed)
        rc = CAV_ENOMEM;
    return rc;
}
