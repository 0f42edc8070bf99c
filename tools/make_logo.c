/* make_logo: draws the maskclean kernelspec logo (a mask over a grid of
 * instances, one of them flagged) as a PNG of the given size, with Cairo.
 * Usage: make_logo SIZE OUT.png */
#include <stdio.h>
#include <stdlib.h>

#include <cairo.h>

int main(int argc, char **argv)
{
	cairo_surface_t *surf;
	cairo_t *cr;
	int size;
	double u;

	if (argc != 3 || (size = atoi(argv[1])) < 16 || size > 1024) {
		fputs("usage: make_logo SIZE OUT.png\n", stderr);
		return 2;
	}
	u = size / 32.0;
	surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
	cr = cairo_create(surf);
	/* rounded tile */
	cairo_new_sub_path(cr);
	cairo_arc(cr, 26 * u, 6 * u, 6 * u, -1.5708, 0);
	cairo_arc(cr, 26 * u, 26 * u, 6 * u, 0, 1.5708);
	cairo_arc(cr, 6 * u, 26 * u, 6 * u, 1.5708, 3.1416);
	cairo_arc(cr, 6 * u, 6 * u, 6 * u, 3.1416, 4.7124);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, 0.13, 0.20, 0.33);
	cairo_fill(cr);
	/* a 3x3 grid of instances: green ones are fine, the orange one is flagged */
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			double x = (5 + 8 * c) * u, y = (5 + 8 * r) * u;

			cairo_arc(cr, x + 3 * u, y + 3 * u, 2.8 * u, 0, 6.2832);
			if (r == 1 && c == 2)
				cairo_set_source_rgb(cr, 1.0, 0.55, 0.10);
			else
				cairo_set_source_rgb(cr, 0.45, 0.80, 0.45);
			cairo_fill(cr);
		}
	/* the ring that marks the flagged instance */
	cairo_arc(cr, 24 * u, 16 * u, 5.2 * u, 0, 6.2832);
	cairo_set_line_width(cr, 1.4 * u);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_stroke(cr);
	cairo_destroy(cr);
	if (cairo_surface_write_to_png(surf, argv[2]) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "make_logo: %s: cannot write\n", argv[2]);
		cairo_surface_destroy(surf);
		return 1;
	}
	cairo_surface_destroy(surf);
	cairo_debug_reset_static_data();
	return 0;
}
