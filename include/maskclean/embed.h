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
 * count.
 *
 * A CNN's embedding (the article's: ResNet50's 2048 numbers), from an ONNX
 * model the user supplies (maskclean/cnn.h runs it):
 *   1. the instance isolated as mc_instance_isolate does (maskclean/image.h):
 *      cropped to its mask's box, pixels outside the mask zeroed (the
 *      "attention mask"), scaled to fit size x size keeping the aspect ratio
 *      (area averaging when shrinking, bilinear when growing, rounded to 8
 *      bits) and centred on black;
 *   2. gray copied to R, G and B for a colour model, or RGB turned to luma
 *      for a gray one;
 *   3. each channel scaled to [0, 1] and normalised, (v / 255 - mean) / std,
 *      with ImageNet's mean and std by default, as torchvision's transforms;
 *   4. the network run on batches of instances, the features read from the
 *      chosen layer (by default its global average pool). */
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
 * isolated and described as mc_embed_instance does; work is spread over one
 * worker thread per core, at most 8 (MC_THREADS overrides; maskclean/pool.h). Reports progress ("embedding instances") and stops on request
 * (MC_ERR_INTERRUPTED). Caller owns *out (n_instances x mc_embed_dim);
 * free with mc_matrix_free. Fails, naming the image file, when an image
 * cannot be loaded or has the wrong size. */
int mc_embed_dataset(mc_matrix **out, const mc_coco *ds, const char *images_dir,
                     int size, mc_embed_method method, const mc_progress *p, mc_error *err);

/* ---- a CNN's embedding */

#include "maskclean/image.h"
#include "maskclean/rle.h"

/* Instances per forward of one worker, unless the caller says otherwise:
 * measured fastest on a CPU by bench/embed_speed (batching does not pay on
 * OpenCV 4.6's CPU convolutions: see docs/benchmarks.md). */
#define MC_EMBED_CNN_BATCH 1

typedef struct mc_embed_cnn_opts {
	const char *model;       /* the ONNX file */
	const char *output;      /* the layer to read; NULL: the global average pool */
	int size;                /* the model's square input side (224) */
	double mean[3], std[3];  /* per channel, of pixels in [0, 1]; a gray model uses [0] */
	int batch;               /* instances per forward, per worker (MC_EMBED_CNN_BATCH) */
	int threads;             /* workers, each with its own copy of the network;
	                            0: one per core, at most 8 (MC_THREADS overrides) */
} mc_embed_cnn_opts;

/* Fills o with the defaults: size 224, ImageNet's mean (0.485, 0.456, 0.406)
 * and std (0.229, 0.224, 0.225), batch MC_EMBED_CNN_BATCH, threads 0; model
 * and output NULL. */
void mc_embed_cnn_opts_init(mc_embed_cnn_opts *o);

/* The network input of one instance (steps 1 to 3 above): channels x size x
 * size floats written to out, channel by channel. mask is the instance's
 * mask, of img's size (else MC_ERR_SHAPE). channels is 1 or 3. Fails with
 * MC_ERR_INVALID for a bad size, channel count, mean or std (std must be
 * > 0), MC_ERR_NOMEM. */
int mc_embed_cnn_input(float *out, const mc_image *img, const mc_rle *mask, int size,
                       int channels, const double mean[3], const double std[3], mc_error *err);

/* Embeds every kept instance of ds with the model o->model: one row per
 * instance in the dataset's instance order, mc_cnn_dim numbers each. Each
 * image is loaded once (from images_dir, or ds's own image directory when
 * NULL). Workers each run their own copy of the network on batches of
 * o->batch instances. Reports progress ("embedding instances (CNN)") after
 * each instance and stops on request (MC_ERR_INTERRUPTED).
 *   npy_path NULL: *out is a new n_instances x dim matrix (caller owns; free
 *     with mc_matrix_free);
 *   npy_path given: the rows go to a float32 .npy file there as they are
 *     computed (mc_npy_writer: atomic, disk space reserved first), *out is
 *     NULL and nothing of the size of the result is held in memory.
 * Fails with mc_cnn_load's errors (the model), the image errors of
 * mc_embed_dataset, MC_ERR_INVALID (bad options), MC_ERR_IO (the .npy file);
 * on failure nothing is written at npy_path. */
int mc_embed_cnn_dataset(mc_matrix **out, const mc_coco *ds, const char *images_dir,
                         const mc_embed_cnn_opts *o, const char *npy_path,
                         const mc_progress *p, mc_error *err);

#endif
