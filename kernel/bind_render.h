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
#include "maskclean/coco.h"
#include "maskclean/render.h"
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

/* The captioned grid (mc_render_grid) of the instances rows[0..n) of ds as
 * a Figure described by what. cells[k] holds what the caller wants shown
 * (label, importance, suggestion, note); each image, mask and annotation id
 * is filled in here, and a NULL label becomes the instance's class. Each
 * image is read once. Fails as mc_image_load, mc_coco_instance_rle and
 * mc_render_grid. */
int mc_grid_figure(mc_value **out, const mc_coco *ds, const size_t *rows,
                   mc_render_cell *cells, size_t n, const mc_render_grid_opts *o,
                   const char *what, mc_error *err);

#endif
