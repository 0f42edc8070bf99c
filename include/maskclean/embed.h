/* The built-in embedding of instances, for data without external features.
 *
 * An instance is isolated as in the article: the image is cropped to the
 * instance's box, pixels outside its mask are zeroed, and the crop is scaled
 * to fit size x size keeping the aspect ratio, centred on black. Scaling is
 * exact area averaging (each output pixel is the mean of the masked image
 * over its source square). The descriptor is made of blocks, each
 * L2-normalised to unit length (an empty block stays zero):
 *
 *   method "hog" (the default), size S (a multiple of 4, 8..256):
 *     1. pixels  the masked gray crop averaged down to S/2 x S/2    (S*S/4)
 *     2. HOG     gradient orientation histograms of the S x S gray crop:
 *                4 x 4 cells, 9 unsigned orientation bins (0..180 degrees,
 *                linear interpolation between bins), magnitude weighted,
 *                L2-Hys (normalise, clip at 0.2, normalise)         (144)
 *     3. colour  8-bin histograms of R, G and B of the object's pixels
 *                (gray images count gray for all three)             (24)
 *     4. shape   the mask's coverage averaged down to S/4 x S/4     (S*S/16)
 *     S = 32 gives 256 + 144 + 24 + 64 = 488 numbers.
 *   method "pixels": the masked gray crop at S x S                  (S*S)
 *
 * Gray is ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B). Everything is
 * deterministic: the same input gives the same bits, whatever the thread
 * count. */
#ifndef MASKCLEAN_EMBED_H
#define MASKCLEAN_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/matrix.h"
#include "maskclean/progress.h"

typedef enum mc_embed_method {
	MC_EMBED_HOG = 0,     /* pixels + HOG + colour + shape */
	MC_EMBED_PIXELS = 1   /* masked gray pixels only */
} mc_embed_method;

/* Parses "hog" or "pixels" into *method. Fails with MC_ERR_INVALID
 * ("embed: unknown method 'x'; expected 'hog' or 'pixels'"). */
int mc_embed_method_parse(mc_embed_method *method, const char *name, mc_error *err);

/* Number of features for size and method, or 0 if size is not a multiple
 * of 4 in 8..256. */
size_t mc_embed_dim(int size, mc_embed_method method);

/* Describes one instance of an image.
 *   px:     w x h pixels, row-major interleaved, channels 1 (gray) or 3 (RGB)
 *   mask:   w x h bytes, row-major (index y*w + x), non-zero = the instance
 *   bbox:   {x, y, width, height} of the instance (COCO's bbox); clipped to
 *           the image. An empty box (or one outside the image) gives an
 *           all-zero descriptor.
 * Writes mc_embed_dim(size, method) numbers to out. Fails with
 * MC_ERR_INVALID for a bad size, channel count or image size, and with
 * MC_ERR_NOMEM. */
int mc_embed_instance(double *out, const uint8_t *px, int w, int h, int channels,
                      const uint8_t *mask, const double bbox[4], int size,
                      mc_embed_method method, mc_error *err);

#include "maskclean/coco.h"

/* Embeds every kept instance of ds, one row per instance in the dataset's
 * instance order (annotation order). Each image is loaded once from
 * images_dir (or ds's own image directory when NULL) and its instances are
 * isolated and described as mc_embed_instance does; work is spread over 2
 * threads. Reports progress ("embedding instances") and stops on request
 * (MC_ERR_INTERRUPTED). Caller owns *out (n_instances x mc_embed_dim);
 * free with mc_matrix_free. Fails, naming the image file, when an image
 * cannot be loaded or has the wrong size. */
int mc_embed_dataset(mc_matrix **out, const mc_coco *ds, const char *images_dir,
                     int size, mc_embed_method method, const mc_progress *p, mc_error *err);

#endif
