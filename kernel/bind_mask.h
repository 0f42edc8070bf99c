/* The Mask and Image classes of the command language, for other areas'
 * bindings (Dataset.mask and Dataset.instance make them).
 *
 * A Mask value wraps an mc_rle (include/maskclean/rle.h), an Image value an
 * mc_image (include/maskclean/image.h): mc_object_new(&mc_mask_class, r)
 * takes the pointer over (freed with the value, or at once on failure). */
#ifndef MASKCLEAN_BIND_MASK_H
#define MASKCLEAN_BIND_MASK_H

#include "value.h"

extern const mc_class mc_mask_class;
extern const mc_class mc_image_class;

#endif
