/* The built-in demo dataset: Fashion-MNIST items composed into a COCO
 * instance segmentation dataset, with known injected label errors.
 *
 * Each image (RGB PNG, image_size x image_size, dark noisy background)
 * holds min_items..max_items Fashion-MNIST items, each scaled (1x to 2x),
 * tinted and pasted at a random place. Later items cover earlier ones; an
 * item is kept only if every earlier item stays at least half visible. An
 * instance's mask is its item's VISIBLE silhouette: the item's pixels of
 * intensity >= 24 with enclosed holes filled, minus what later items cover.
 *
 * annotations.json is COCO instances JSON: images (file_name relative to
 * images/), the 10 Fashion-MNIST categories (ids 1..10: T-shirt/top,
 * Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot),
 * annotations (ids 1..n in order, iscrowd 0, area, bbox) whose segmentation
 * is, chosen at random about 1/3 each: a polygon (the traced outline of the
 * mask along pixel edges; several parts for a mask in several pieces), an
 * uncompressed RLE or a compressed RLE (masks with holes, which a polygon
 * cannot express, always get an RLE). area is COCO's (the rasterised
 * segmentation's), bbox is the mask's pixel extent.
 *
 * Injected errors, round(error_rate * n_instances) in all, on distinct
 * instances:
 *   "class": the annotation names a wrong class of the same confusable group
 *            (T-shirt/top, Pullover, Coat, Shirt) or (Sandal, Sneaker,
 *            Ankle boot); a share class_error_share of the errors;
 *   "mask":  the segmentation spans two objects: the union with the nearest
 *            other instance's mask ("union") or the box around both
 *            ("box"); the class stays right.
 *
 * ground_truth.json (for the simulated reviewer, never for learning):
 *   { "seed": 0, "error_rate": 0.1, "n_instances": N, "n_errors": E,
 *     "n_class_errors": C, "n_mask_errors": M,
 *     "annotations": [ { "id": 1, "image_id": 1, "index": 0,
 *         "true_class": "Shirt", "true_category_id": 7,
 *         "labeled_class": "Coat", "labeled_category_id": 5,
 *         "error": "none" | "class" | "mask",
 *         "mask_error": null | "union" | "box",
 *         "other_id": null | id of the other object a bad mask covers,
 *         "fix": "keep" | "relabel" | "remove",
 *         "source": 12345, "segmentation": "polygon" | "rle" | "rle_string" },
 *     ... ] }
 * in annotation (= instance) order; "index" is the instance index and
 * "source" the Fashion-MNIST item. The fix for a class error is relabelling
 * to true_class, for a mask error removal.
 *
 * Shapes of real data (options below, all off by default): Zipf-like class
 * sizes, tiny classes, an empty category, near-duplicate copies of every
 * scene and class errors concentrated toward and away from the smallest
 * class. With copies, n_images counts scenes (the file has n_images *
 * copies images; a copy's ground truth names its "scene", the image id of
 * the original) and error_rate applies to the scenes' instances, each error
 * repeated in every copy.
 *
 * Every byte is a function of the options: same options, same files. */
#ifndef MASKCLEAN_DEMO_H
#define MASKCLEAN_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/progress.h"

#define MC_DEMO_FMNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct mc_demo_opts {
	const char *fmnist_dir;    /* NULL: MC_DEMO_FMNIST_DIR */
	int test_split;            /* 0: train-* (60000 items), 1: t10k-* (10000) */
	size_t n_images;           /* 1 .. 1000000; default 600 */
	int image_size;            /* 64 .. 1024; default 128 */
	int min_items, max_items;  /* per image, 1 .. 8; default 2 .. 5 */
	double error_rate;         /* 0 .. 0.5; default 0.1 */
	double class_error_share;  /* 0 .. 1; default 0.6 */
	uint64_t seed;             /* default 0 */
	/* The shapes of real data (defaults: none of them). */
	double imbalance;          /* 0 .. 4: Zipf-like class sizes; the class of rank r
	                              (0-based, in a seeded order) keeps a share
	                              (r + 1)^-imbalance of its items; 0 = balanced */
	size_t n_tiny;             /* 0 .. 9: the last n_tiny ranks are tiny classes,
	                              made of the first items of their class drawn */
	size_t tiny_size;          /* 1 .. 59: instances of a tiny class, copies
	                              included (default 36) */
	int empty_category;        /* 1: the categories open with {"id": 0, "name":
	                              "fashion"}, which has no instance (as Roboflow's
	                              exports do) */
	int copies;                /* 1 .. 8 images per scene (default 1): the
	                              original, then near-duplicate copies, mirrored
	                              (odd copies) or shifted (even copies), colours
	                              scaled by 0.8 .. 1.2 per channel; a copy repeats
	                              the scene's labels and errors, as an export
	                              augmented after labelling does */
	double toward_small;       /* 0 .. 4: instances of other classes labelled as
	                              the smallest class, as a share of its size
	                              (taken from its look-alikes, or from any
	                              class when it has none); part of the class
	                              errors */
	double away_small;         /* 0 .. 1: share of the smallest class's instances
	                              labelled as another class; part of the class
	                              errors */
} mc_demo_opts;

/* Fills o with the defaults above. */
void mc_demo_opts_init(mc_demo_opts *o);

/* The hard demo: the defaults, plus imbalance 1, 2 tiny classes of 36, an
 * empty category, 3 copies per scene, error_rate 0.08, toward_small 0.5
 * and away_small 0.25. */
void mc_demo_opts_hard(mc_demo_opts *o);

typedef struct mc_demo_result {
	char *dir;            /* the output directory, as given */
	char *annotations;    /* <dir>/annotations.json */
	char *images;         /* <dir>/images */
	char *ground_truth;   /* <dir>/ground_truth.json */
	size_t n_images, n_instances, n_errors, n_class_errors, n_mask_errors;
} mc_demo_result;

/* Writes the dataset under dir (created if needed; existing files of the
 * same names are replaced; the JSON files are written to a temporary name
 * and renamed). Items are drawn without replacement from a seeded
 * permutation of the split, reshuffled when all are used, so every item
 * appears once n_images is large enough (about 17,000 images for the
 * 60,000 training items). Reports progress per image ("demo: images") and
 * stops on request (MC_ERR_INTERRUPTED; files written so far stay).
 * Caller owns *out; free with mc_demo_result_free. Fails with
 * MC_ERR_INVALID (an option out of range), MC_ERR_IO (Fashion-MNIST files
 * missing: the message names the file and the Debian package
 * dataset-fashion-mnist; cannot write), MC_ERR_PARSE (a bad IDX file). */
int mc_demo_make(mc_demo_result **out, const char *dir, const mc_demo_opts *o,
                 const mc_progress *p, mc_error *err);

/* Frees r. r may be NULL. */
void mc_demo_result_free(mc_demo_result *r);

/* The 10 Fashion-MNIST class names, index 0..9 (category id = index + 1). */
extern const char *const mc_demo_class_names[10];

#endif
