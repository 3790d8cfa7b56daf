/* canvas_impl.h — the inside of a canvas (canvas.h), shared by its SVG writer (canvas.c) and its
 * cairo renderer (canvas_cairo.c). Nothing else includes it.
 */
#ifndef CAV_CANVAS_IMPL_H
#define CAV_CANVAS_IMPL_H

#include "geo/canvas.h"

#include <pango/pangocairo.h>

#define CAV_CANVAS_FAMILY "DejaVu Sans"
/* hatching of disputed areas: lines this far apart and this wide (px), the same in every format */
#define CAV_HATCH_STEP 7.0
#define CAV_HATCH_STEP_S "7"
#define CAV_HATCH_WIDTH 2.2
#define CAV_HATCH_WIDTH_S "2.2"

enum { CAV_OP_PATH, CAV_OP_CIRCLE, CAV_OP_TEXT, CAV_OP_CLIP, CAV_OP_UNCLIP };

typedef struct cav_pt {
    double x, y;
    char cmd; /* 'M', 'L' or 'Z' (x, y unused) */
} cav_pt;

typedef struct cav_op {
    int kind;            /* CAV_OP_* */
    size_t cls;          /* offset of the class name in strings, or SIZE_MAX */
    cav_paint paint;     /* PATH, CIRCLE */
    size_t pt0, npts;    /* PATH: its points in pts */
    double x, y, r;      /* CIRCLE: centre and radius; TEXT: anchor point; CLIP: corner */
    double w, h;         /* CLIP: size */
    cav_text_style text; /* TEXT */
    size_t str, len;     /* TEXT: offset and length in strings */
} cav_op;

struct cav_canvas {
    double w, h; /* page size, px */
    cav_op *ops; /* in drawing order */
    size_t nops, cap_ops;
    cav_pt *pts; /* the points of every path */
    size_t npts, cap_pts;
    cav_buf strings;     /* text and class names, each NUL-terminated */
    int open;            /* a path is being recorded */
    int failed;          /* an allocation failed */
    PangoContext *pango; /* for measuring, made on first use */
    PangoLayout *layout;
};

/* The string at offset off of the pool, or NULL for SIZE_MAX. */
const char *cav__canvas_str(const cav_canvas *c, size_t off);
/* A new font description for the style (free with pango_font_description_free). */
PangoFontDescription *cav__canvas_font(const cav_text_style *st);
/* Sets the unhinted font options used for measuring and drawing alike. */
void cav__canvas_font_options(PangoContext *pc);

#endif
