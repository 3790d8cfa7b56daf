/* canvas.c — the map display list (canvas.h): recording ops, measuring text with pango, and the
 * SVG writer.
 *
 * Ops are kept in one array; a path's points in a shared array of (x, y, command) triples, so a
 * map of Russia's 1:10m border is a few allocations. Text and class names are copied into one
 * string pool. Numbers are written with '.' whatever the locale (cav__buf_fixed).
 *
 * Text measurement: a pango context from pangocairo's per-thread default font map, with hinting
 * and hinted metrics off, so widths do not depend on a device resolution and match what the cairo
 * renderer (which uses the same options) draws. The font is "DejaVu Sans" (Debian's
 * fonts-dejavu-core); fontconfig substitutes another sans font when it is missing, and widths then
 * follow that font.
 */
#include "geo/canvas.h"
#include "geo/canvas_impl.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static void *grow(cav_canvas *c, void *p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = cav__realloc(p, n * size);
    if (!q) {
        c->failed = 1;
        return NULL;
    }
    *cap = n;
    return q;
}

cav_canvas *cav__canvas_new(double w, double h) {
    cav_canvas *c = cav__calloc(1, sizeof *c);
    if (c)
        c->w = w, c->h = h;
    return c;
}

void cav__canvas_free(cav_canvas *c) {
    if (!c)
        return;
    cav__free(c->ops);
    cav__free(c->pts);
    cav_buf_free(&c->strings);
    if (c->layout)
        g_object_unref(c->layout);
    if (c->pango)
        g_object_unref(c->pango);
    cav__free(c);
}

void cav__canvas_resize(cav_canvas *c, double w, double h) {
    c->w = w, c->h = h;
}
double cav__canvas_width(const cav_canvas *c) {
    return c->w;
}
double cav__canvas_height(const cav_canvas *c) {
    return c->h;
}
int cav__canvas_failed(const cav_canvas *c) {
    return c->failed || c->strings.failed;
}

static cav_op *new_op(cav_canvas *c, int kind, const char *cls) {
    if (c->failed)
        return NULL;
    cav_op *ops = grow(c, c->ops, &c->cap_ops, c->nops + 1, sizeof *ops);
    if (!ops)
        return NULL;
    c->ops = ops;
    cav_op *op = &ops[c->nops++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->cls = SIZE_MAX;
    if (cls && *cls) {
        op->cls = c->strings.len;
        cav__buf_put(&c->strings, cls, strlen(cls) + 1);
    }
    return op;
}

static void add_pt(cav_canvas *c, double x, double y, char cmd) {
    if (c->failed || !c->open)
        return;
    cav_pt *pts = grow(c, c->pts, &c->cap_pts, c->npts + 1, sizeof *pts);
    if (!pts)
        return;
    c->pts = pts;
    pts[c->npts++] = (cav_pt){x, y, cmd};
}

void cav__canvas_path_begin(cav_canvas *c, const cav_paint *paint, const char *cls) {
    cav_op *op = new_op(c, CAV_OP_PATH, cls);
    if (!op)
        return;
    op->paint = *paint;
    op->pt0 = c->npts;
    c->open = 1;
}

void cav__canvas_move(cav_canvas *c, double x, double y) {
    add_pt(c, x, y, 'M');
}
void cav__canvas_line(cav_canvas *c, double x, double y) {
    add_pt(c, x, y, 'L');
}
void cav__canvas_close(cav_canvas *c) {
    add_pt(c, 0, 0, 'Z');
}

void cav__canvas_path_end(cav_canvas *c) {
    if (!c->open || c->failed)
        return;
    c->open = 0;
    cav_op *op = &c->ops[c->nops - 1];
    op->npts = c->npts - op->pt0;
    if (op->npts == 0)
        c->nops--; /* nothing to draw */
}

void cav__canvas_rect(cav_canvas *c, double x, double y, double w, double h, const cav_paint *p,
                      const char *cls) {
    cav__canvas_path_begin(c, p, cls);
    cav__canvas_move(c, x, y);
    cav__canvas_line(c, x + w, y);
    cav__canvas_line(c, x + w, y + h);
    cav__canvas_line(c, x, y + h);
    cav__canvas_close(c);
    cav__canvas_path_end(c);
}

void cav__canvas_circle(cav_canvas *c, double x, double y, double r, const cav_paint *p,
                        const char *cls) {
    cav_op *op = new_op(c, CAV_OP_CIRCLE, cls);
    if (op)
        op->paint = *p, op->x = x, op->y = y, op->r = r;
}

void cav__canvas_text(cav_canvas *c, double x, double y, const char *s, size_t n,
                      const cav_text_style *st, const char *cls) {
    cav_op *op = new_op(c, CAV_OP_TEXT, cls);
    if (!op)
        return;
    op->x = x, op->y = y, op->text = *st;
    op->str = c->strings.len;
    op->len = n;
    cav__buf_put(&c->strings, s, n);
    cav__buf_putc(&c->strings, '\0');
}

void cav__canvas_clip_begin(cav_canvas *c, double x, double y, double w, double h) {
    cav_op *op = new_op(c, CAV_OP_CLIP, NULL);
    if (op)
        op->x = x, op->y = y, op->w = w, op->h = h;
}

void cav__canvas_clip_end(cav_canvas *c) {
    new_op(c, CAV_OP_UNCLIP, NULL);
}

const char *cav__canvas_str(const cav_canvas *c, size_t off) {
    return off == SIZE_MAX || !c->strings.data ? NULL : c->strings.data + off;
}

/* ---- text ---- */

PangoFontDescription *cav__canvas_font(const cav_text_style *st) {
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, CAV_CANVAS_FAMILY);
    pango_font_description_set_absolute_size(fd, st->size * PANGO_SCALE);
    pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(fd, st->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    return fd;
}

void cav__canvas_font_options(PangoContext *pc) {
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(pc, fo);
    cairo_font_options_destroy(fo);
}

/* The layout used for measuring, made on first use. */
static PangoLayout *measure_layout(cav_canvas *c) {
    if (c->layout)
        return c->layout;
    PangoFontMap *fm = pango_cairo_font_map_get_default(); /* per thread, not ours to free */
    c->pango = fm ? pango_font_map_create_context(fm) : NULL;
    if (!c->pango)
        return NULL;
    cav__canvas_font_options(c->pango);
    c->layout = pango_layout_new(c->pango);
    return c->layout;
}

double cav__canvas_measure(cav_canvas *c, const char *s, size_t n, const cav_text_style *st) {
    PangoLayout *l = measure_layout(c);
    if (!l || n == 0)
        return 0;
    PangoFontDescription *fd = cav__canvas_font(st);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(l, s, (int)n);
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    return (double)logical.width / PANGO_SCALE;
}

int cav__canvas_wrap(cav_canvas *c, const char *s, double width, const cav_text_style *st,
                     const char **start, size_t *len, int nmax) {
    int n = 0;
    while (*s && n < nmax) {
        while (*s == ' ')
            s++;
        size_t rest = strlen(s);
        if (rest == 0)
            break;
        if (n == nmax - 1 || cav__canvas_measure(c, s, rest, st) <= width) {
            start[n] = s, len[n++] = rest;
            break;
        }
        /* the longest run of whole words that fits */
        size_t cut = 0;
        for (size_t i = 1; i <= rest; i++)
            if ((i == rest || s[i] == ' ') && s[i - 1] != ' ') {
                if (cav__canvas_measure(c, s, i, st) > width)
                    break;
                cut = i;
            }
        if (cut == 0) { /* one word wider than the line: break it between characters */
            cut = 1;
            for (size_t i = 1; i < rest; i++) {
                if (((unsigned char)s[i] & 0xC0) == 0x80)
                    continue;
                if (cav__canvas_measure(c, s, i, st) > width)
                    break;
                cut = i;
            }
        }
        start[n] = s, len[n++] = cut;
        s += cut;
    }
    return n;
}

double cav__canvas_text_block(cav_canvas *c, const char *s, double x, double y, double width,
                              const cav_text_style *st, const char *cls) {
    const char *start[16];
    size_t len[16];
    int n = cav__canvas_wrap(c, s ? s : "", width, st, start, len, 16);
    for (int i = 0; i < n; i++) {
        y += st->size * 1.3;
        cav__canvas_text(c, x, y - st->size * 0.3, start[i], len[i], st, cls);
    }
    return y;
}

/* ---- SVG ---- */

static void num(cav_buf *b, double v) {
    double r = round(v * 10) / 10;
    if (r == 0)
        r = 0; /* no "-0" */
    if (r == round(r))
        cav__buf_printf(b, "%ld", (long)r);
    else
        cav__buf_fixed(b, r, 1);
}

/* Appends ` name="v"` (v as num writes it). */
static void num_attr(cav_buf *b, const char *name, double v) {
    cav__buf_printf(b, " %s=\"", name);
    num(b, v);
    cav__buf_putc(b, '"');
}

static void colour(cav_buf *b, uint32_t rgb) {
    cav__buf_printf(b, "#%06x", rgb & 0xFFFFFFu);
}

static void paint_attrs(cav_buf *b, const cav_paint *p) {
    if (p->fill == CAV_NONE)
        cav__buf_puts(b, " fill=\"none\"");
    else if (p->hatch)
        cav__buf_printf(b, " fill=\"url(#hatch-%06x)\"", p->fill & 0xFFFFFFu);
    else {
        cav__buf_puts(b, " fill=\"");
        colour(b, p->fill);
        cav__buf_puts(b, "\"");
        if (p->fill_opacity < 1) {
            cav__buf_puts(b, " fill-opacity=\"");
            cav__buf_fixed(b, p->fill_opacity, 2);
            cav__buf_puts(b, "\"");
        }
    }
    if (p->stroke != CAV_NONE && p->stroke_width > 0) {
        cav__buf_puts(b, " stroke=\"");
        colour(b, p->stroke);
        cav__buf_puts(b, "\" stroke-width=\"");
        cav__buf_fixed(b, p->stroke_width, 1);
        cav__buf_puts(b, "\"");
        if (p->stroke_opacity > 0 && p->stroke_opacity < 1) {
            cav__buf_puts(b, " stroke-opacity=\"");
            cav__buf_fixed(b, p->stroke_opacity, 2);
            cav__buf_puts(b, "\"");
        }
        if (p->dash_on > 0) {
            cav__buf_puts(b, " stroke-dasharray=\"");
            num(b, p->dash_on);
            cav__buf_puts(b, " ");
            num(b, p->dash_off);
            cav__buf_puts(b, "\"");
        }
    }
}

static void cls_attr(const cav_canvas *c, const cav_op *op, cav_buf *b) {
    const char *cls = cav__canvas_str(c, op->cls);
    if (cls) {
        cav__buf_puts(b, " class=\"");
        cav__buf_xml(b, cls, strlen(cls));
        cav__buf_puts(b, "\"");
    }
}

static void svg_path(const cav_canvas *c, const cav_op *op, cav_buf *b) {
    cav__buf_puts(b, "<path");
    cls_attr(c, op, b);
    paint_attrs(b, &op->paint);
    cav__buf_puts(b, " d=\"");
    long lx = LONG_MIN, ly = LONG_MIN;
    for (size_t i = 0; i < op->npts; i++) {
        const cav_pt *pt = &c->pts[op->pt0 + i];
        if (pt->cmd == 'Z') {
            cav__buf_putc(b, 'Z');
            lx = ly = LONG_MIN;
            continue;
        }
        long x = lround(pt->x * 10), y = lround(pt->y * 10);
        if (pt->cmd == 'L' && x == lx && y == ly)
            continue; /* the same point at 0.1 px */
        cav__buf_putc(b, pt->cmd);
        num(b, (double)x / 10);
        cav__buf_putc(b, ' ');
        num(b, (double)y / 10);
        lx = x, ly = y;
    }
    cav__buf_puts(b, "\"/>\n");
}

static void svg_text(const cav_canvas *c, const cav_op *op, cav_buf *b) {
    const cav_text_style *st = &op->text;
    cav__buf_puts(b, "<text");
    cls_attr(c, op, b);
    num_attr(b, "x", op->x);
    num_attr(b, "y", op->y);
    num_attr(b, "font-size", st->size);
    if (st->bold)
        cav__buf_puts(b, " font-weight=\"bold\"");
    if (st->italic)
        cav__buf_puts(b, " font-style=\"italic\"");
    if (st->anchor != CAV_ANCHOR_START)
        cav__buf_puts(b, st->anchor == CAV_ANCHOR_MIDDLE ? " text-anchor=\"middle\""
                                                         : " text-anchor=\"end\"");
    if (st->colour) {
        cav__buf_puts(b, " fill=\"");
        colour(b, st->colour);
        cav__buf_puts(b, "\"");
    }
    if (st->halo)
        cav__buf_puts(b, " stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" "
                         "paint-order=\"stroke\"");
    cav__buf_puts(b, ">");
    cav__buf_xml(b, cav__canvas_str(c, op->str), op->len);
    cav__buf_puts(b, "</text>\n");
}

int cav__canvas_svg(cav_canvas *c, const char *title, cav_buf *out) {
    if (cav__canvas_failed(c))
        return CAV_ENOMEM;
    cav__buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
    num(out, ceil(c->w));
    cav__buf_puts(out, "\" height=\"");
    num(out, ceil(c->h));
    cav__buf_puts(out, "\" viewBox=\"0 0 ");
    num(out, ceil(c->w));
    cav__buf_puts(out, " ");
    num(out, ceil(c->h));
    cav__buf_puts(out, "\" font-family=\"" CAV_CANVAS_FAMILY ", Arial, Helvetica, sans-serif\">\n");
    if (title) {
        cav__buf_puts(out, "<title>");
        cav__buf_xml(out, title, strlen(title));
        cav__buf_puts(out, "</title>\n");
    }
    /* one hatch pattern per colour used */
    uint32_t hatches[16];
    int nh = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const cav_op *op = &c->ops[i];
        if (op->kind != CAV_OP_PATH || !op->paint.hatch || op->paint.fill == CAV_NONE)
            continue;
        int seen = 0;
        for (int k = 0; k < nh; k++)
            seen |= hatches[k] == op->paint.fill;
        if (!seen && nh < 16)
            hatches[nh++] = op->paint.fill;
    }
    if (nh) {
        cav__buf_puts(out, "<defs>\n");
        for (int k = 0; k < nh; k++)
            cav__buf_printf(out,
                            "<pattern id=\"hatch-%06x\" patternUnits=\"userSpaceOnUse\" "
                            "width=\"" CAV_HATCH_STEP_S "\" height=\"" CAV_HATCH_STEP_S
                            "\" patternTransform=\"rotate(45)\"><path d=\"M0 0V" CAV_HATCH_STEP_S
                            "\" stroke=\"#%06x\" stroke-width=\"" CAV_HATCH_WIDTH_S
                            "\"/></pattern>\n",
                            hatches[k] & 0xFFFFFFu, hatches[k] & 0xFFFFFFu);
        cav__buf_puts(out, "</defs>\n");
    }
    int clips = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const cav_op *op = &c->ops[i];
        switch (op->kind) {
        case CAV_OP_PATH: svg_path(c, op, out); break;
        case CAV_OP_CIRCLE:
            cav__buf_puts(out, "<circle");
            cls_attr(c, op, out);
            num_attr(out, "cx", op->x);
            num_attr(out, "cy", op->y);
            num_attr(out, "r", op->r);
            paint_attrs(out, &op->paint);
            cav__buf_puts(out, "/>\n");
            break;
        case CAV_OP_TEXT: svg_text(c, op, out); break;
        case CAV_OP_CLIP:
            cav__buf_printf(out, "<clipPath id=\"clip%d\"><rect", clips);
            num_attr(out, "x", op->x);
            num_attr(out, "y", op->y);
            num_attr(out, "width", op->w);
            num_attr(out, "height", op->h);
            cav__buf_printf(out, "/></clipPath>\n<g clip-path=\"url(#clip%d)\">\n", clips);
            clips++;
            break;
        case CAV_OP_UNCLIP: cav__buf_puts(out, "</g>\n"); break;
        default: break;
        }
    }
    cav__buf_puts(out, "</svg>\n");
    return cav__buf_status(out);
}
