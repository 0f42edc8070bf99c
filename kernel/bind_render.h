/* The Figure and Table values of the command language, for other areas'
 * bindings that draw (plot.h, render.h) or tabulate (table.h).
 *
 * A Figure shows as image/png with width/height metadata and a text/plain
 * fallback ("<Figure 640x400: AUC across iterations>"); attributes width and
 * height; method save(path). A Table shows as text/html with its text/plain
 * twin. */
#ifndef MASKCLEAN_BIND_RENDER_H
#define MASKCLEAN_BIND_RENDER_H

#include "maskclean/canvas.h"
#include "maskclean/table.h"
#include "value.h"

extern const mc_class mc_figure_class;
extern const mc_class mc_table_class;

/* A Figure value holding png (taken over, also on failure) described by
 * what ("AUC across iterations"; may be NULL). NULL when memory runs out. */
mc_value *mc_figure_value(mc_png *png, const char *what);

/* A Table value holding t (taken over, also on failure). NULL when memory
 * runs out. */
mc_value *mc_table_value(mc_table *t);

#endif
