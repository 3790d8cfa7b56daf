/* canvas.h — a display list for maps: paths, circles and text in page pixels, written out as SVG
 * text (canvas.c) or drawn with cairo into PNG or PDF (canvas_cairo.c).
 *
 * A map is composed once (geo/mapdraw.c) into a canvas and then written in the format asked for,
 * so the three formats show the same map. Text is measured with pango (DejaVu Sans, unhinted
 * metrics), so a label placed or a line wrapped for the SVG fits in the PNG and the PDF too, and
 * the SVG names "DejaVu Sans" first so that a browser draws it with the font it was measured in.
 *
 * Ownership: a canvas owns its ops, points and strings (copied in); cav__canvas_free releases
 * them. A canvas is used by one thread; pango's default font map is per thread, so canvases on
 * several threads do not share state. Once an allocation fails the canvas ignores later ops and
 * `failed` is set: writers return CAV_ENOMEM.
 */
#ifndef CAV_CANVAS_H
#define CAV_CANVAS_H

#include "caveat.h"

#include <stddef.h>
#include <stdint.h>

#define CAV_NONE 0xFFFFFFFFu /* no fill or no stroke */

/* How a path or circle is painted. Colours are 0xRRGGBB or CAV_NONE. */
typedef struct cav_paint {
    uint32_t fill;
    double fill_opacity;
    uint32_t stroke;
    double stroke_width, stroke_opacity;
    double dash_on, dash_off; /* 0: solid */
    int hatch;                /* 1: the fill is diagonal lines of the fill colour, not solid */
} cav_paint;

typedef enum cav_anchor { CAV_ANCHOR_START, CAV_ANCHOR_MIDDLE, CAV_ANCHOR_END } cav_anchor;

/* One run of text: its baseline starts (or is centred, or ends) at x, y. */
typedef struct cav_text_style {
    double size;      /* px */
    int bold, italic; /* 1 for bold or italic */
    cav_anchor anchor;
    uint32_t colour;
    int halo; /* 1: a white outline under the glyphs, for labels over the map */
} cav_text_style;

typedef struct cav_canvas cav_canvas;

/* A new empty canvas of w x h px, or NULL when out of memory. */
cav_canvas *cav__canvas_new(double w, double h);
void cav__canvas_free(cav_canvas *c);
/* Changes the page size (the composition knows it only at the end). */
void cav__canvas_resize(cav_canvas *c, double w, double h);
double cav__canvas_width(const cav_canvas *c);
double cav__canvas_height(const cav_canvas *c);
/* 1 when an allocation failed. */
int cav__canvas_failed(const cav_canvas *c);

/* Paths: begin one with a paint and an optional class (an SVG class name, "" or NULL for none),
 * add subpaths with move/line/close, end it. Points are page px. A path with no point is dropped.
 */
void cav__canvas_path_begin(cav_canvas *c, const cav_paint *paint, const char *cls);
void cav__canvas_move(cav_canvas *c, double x, double y);
void cav__canvas_line(cav_canvas *c, double x, double y);
void cav__canvas_close(cav_canvas *c);
void cav__canvas_path_end(cav_canvas *c);
/* A rectangle and a circle as paths of their own. */
void cav__canvas_rect(cav_canvas *c, double x, double y, double w, double h, const cav_paint *p,
                      const char *cls);
void cav__canvas_circle(cav_canvas *c, double x, double y, double r, const cav_paint *p,
                        const char *cls);
/* One line of text (not wrapped), copied in. */
void cav__canvas_text(cav_canvas *c, double x, double y, const char *s, size_t n,
                      const cav_text_style *st, const char *cls);
/* Everything drawn between clip_begin and clip_end is clipped to the rectangle. No nesting. */
void cav__canvas_clip_begin(cav_canvas *c, double x, double y, double w, double h);
void cav__canvas_clip_end(cav_canvas *c);

/* The advance width in px of s[0, n) in the style's font and size (pango, unhinted). */
double cav__canvas_measure(cav_canvas *c, const char *s, size_t n, const cav_text_style *st);
/* Splits s into lines no wider than width px, at spaces (a word wider than width is broken at
 * a character); stores each line's start and length (at most nmax lines; the last takes the
 * rest) and returns the number of lines. */
int cav__canvas_wrap(cav_canvas *c, const char *s, double width, const cav_text_style *st,
                     const char **start, size_t *len, int nmax);
/* Draws s wrapped to width px from the top y (lines 1.3 x size apart); returns the y below it. */
double cav__canvas_text_block(cav_canvas *c, const char *s, double x, double y, double width,
                              const cav_text_style *st, const char *cls);

/* Appends the canvas as a standalone SVG document (title: the <title> element, may be NULL). */
int cav__canvas_svg(cav_canvas *c, const char *title, cav_buf *out);
/* Appends the canvas drawn with cairo as PNG (scale: device pixels per page px) or PDF (scale:
 * points per page px), with the title (may be NULL) in the PDF's metadata. Returns 0, CAV_EINVAL
 * for another format, CAV_ENOMEM or CAV_EIO when cairo fails. */
int cav__canvas_cairo(cav_canvas *c, cav_format fmt, double scale, const char *title, cav_buf *out);

#endif
