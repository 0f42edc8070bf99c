/* COCO instance datasets (instances_*.json): images, annotations and
 * categories held in compact C arrays, with indexes by image, by category and
 * by id, and export of corrected labels back to COCO JSON.
 *
 * Orders (the contract every other module relies on):
 *   - annotation index a: the a-th element of the file's "annotations" array
 *     (0 .. n_annotations-1), crowd annotations included;
 *   - instance index i: the kept annotations (iscrowd == 0, or every
 *     annotation when include_crowd is set), in file order. This is the row
 *     order of embeddings, labels and everything learned from them;
 *   - class index k: 0 .. K-1, the categories sorted by category id;
 *   - image index: the order of the file's "images" array.
 *
 * Segmentations are kept as read: polygons as doubles (COCO's rasteriser
 * needs the exact values), uncompressed RLE as uint32 counts, compressed RLE
 * as the string. They are validated at load: a polygon part needs an even
 * count of at least 6 numbers (or, as the COCO API reads them, exactly 4 in
 * every part: a bbox), RLE "size" must be [h, w] and its counts must sum to
 * h*w. Image files are never opened at load.
 *
 * The file is parsed one array element at a time: the common well-formed
 * shape of an element is read by a strict scanner, and every other element
 * (and every element the scanner has doubts about) by Jansson, which also
 * words the syntax errors. The whole JSON tree of a large file is never held. */
#ifndef MASKCLEAN_COCO_H
#define MASKCLEAN_COCO_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/progress.h"

struct mc_rle;
/* Jansson's JSON value, opaque here: callers of mc_coco_annotation_json and
 * mc_coco_extra include <jansson.h> to read it (the same type as its
 * json_t). */
struct json_t;

typedef struct mc_coco mc_coco;

typedef struct mc_coco_options {
	const char *images_dir;     /* NULL: guessed from the file's place (see mc_coco_load) */
	int include_crowd;          /* non-zero: iscrowd=1 annotations are instances too */
	const mc_progress *progress;  /* may be NULL */
} mc_coco_options;

typedef enum mc_coco_seg_kind {
	MC_SEG_POLYGON = 1,   /* parts of x,y numbers (4 numbers per part: bboxes) */
	MC_SEG_RLE = 2,       /* uncompressed: counts[] */
	MC_SEG_RLE_STRING = 3 /* compressed: COCO's string */
} mc_coco_seg_kind;

/* One annotation as stored. Pointers are borrowed: valid while ds lives. */
typedef struct mc_coco_ann {
	int64_t id;
	int64_t image_id;
	int64_t category_id;
	size_t image;        /* image index */
	size_t class_index;  /* 0 .. K-1 */
	size_t instance;     /* instance index, or (size_t)-1 when not kept */
	int iscrowd;
	double area;         /* as stored in the file */
	double bbox[4];      /* as stored; zeros when the file has none */
	uint32_t h, w;       /* the image's size (RLE: its "size") */
	mc_coco_seg_kind kind;
	size_t n_parts;            /* polygon: parts */
	const double *xy;          /* polygon: all parts' numbers, back to back */
	const uint32_t *part_len;  /* polygon: numbers in each part */
	size_t n_counts;           /* RLE */
	const uint32_t *counts;    /* RLE */
	const char *rle_string;    /* compressed RLE, NUL-terminated */
} mc_coco_ann;

typedef struct mc_coco_image {
	int64_t id;
	uint32_t width, height;
	const char *file_name;   /* borrowed; as in the file */
} mc_coco_img;

/* Loads the COCO instances file at path. Caller owns *out; free with
 * mc_coco_free. opt may be NULL (defaults: crowd left out, guessed images dir).
 * The images directory, when not given, is the first that exists of
 * <dir>/../images/<split>, <dir>/../<split> (COCO's own layout, <split> from
 * "instances_<split>.json") and <dir> itself (file names relative to the JSON,
 * as labelme writes them), where <dir> is the JSON's directory.
 * Fails with MC_ERR_IO (cannot read), MC_ERR_PARSE (malformed or truncated
 * JSON: the message gives line and column), MC_ERR_INVALID (a missing field,
 * a bad polygon or RLE, an unknown image or category id, duplicate ids),
 * MC_ERR_TYPE (a field of the wrong type), MC_ERR_INTERRUPTED. Messages start
 * with the file name and name the image or annotation id:
 *   "instances.json: annotation 5: missing field \"category_id\"". */
int mc_coco_load(mc_coco **out, const char *path, const mc_coco_options *opt,
                 mc_error *err);

/* Frees ds. ds may be NULL. */
void mc_coco_free(mc_coco *ds);

/* Sizes. */
size_t mc_coco_n_images(const mc_coco *ds);
size_t mc_coco_n_annotations(const mc_coco *ds);   /* every annotation in the file */
size_t mc_coco_n_instances(const mc_coco *ds);     /* kept annotations */
size_t mc_coco_n_classes(const mc_coco *ds);
int mc_coco_include_crowd(const mc_coco *ds);

/* The path the dataset was loaded from, its base name, and the images
 * directory in use. Borrowed. */
const char *mc_coco_path(const mc_coco *ds);
const char *mc_coco_file_name(const mc_coco *ds);
const char *mc_coco_images_dir(const mc_coco *ds);

/* Class k's name, category id and supercategory ("" when none). Borrowed;
 * k must be < n_classes. */
const char *mc_coco_class_name(const mc_coco *ds, size_t k);
int64_t mc_coco_class_id(const mc_coco *ds, size_t k);
const char *mc_coco_class_supercategory(const mc_coco *ds, size_t k);

/* Class index of name in *out. Fails with MC_ERR_NOTFOUND: "unknown class
 * 'oranje' (did you mean 'orange'?); classes are: person, bicycle, ...". */
int mc_coco_class_index(size_t *out, const mc_coco *ds, const char *name, mc_error *err);

/* Number of instances of class k. */
size_t mc_coco_class_count(const mc_coco *ds, size_t k);

/* The load warning for categories without instances ("Warning: file: 1
 * category has no instance: "x" (id 0); left out of AUC and of the
 * confusion matrix's axes.\n"), or NULL when every category has one (or
 * memory runs out). Caller frees. */
char *mc_coco_empty_classes_warning(const mc_coco *ds);

/* Instance indices of class k, ascending; *n gets their number. Borrowed. */
const size_t *mc_coco_class_instances(const mc_coco *ds, size_t k, size_t *n);

/* Annotation indices of image index img (every annotation, crowd too), in
 * file order; *n gets their number. Borrowed. */
const size_t *mc_coco_image_annotations(const mc_coco *ds, size_t img, size_t *n);

/* Writes the class index of every instance to labels[0 .. n_instances). */
void mc_coco_labels(const mc_coco *ds, int64_t *labels);

/* Annotation index a (file order) into *out; a must be < n_annotations. */
void mc_coco_annotation(const mc_coco *ds, size_t a, mc_coco_ann *out);

/* Instance i into *out (i < n_instances). */
void mc_coco_instance(const mc_coco *ds, size_t i, mc_coco_ann *out);

/* Annotation index of instance i. */
size_t mc_coco_instance_annotation(const mc_coco *ds, size_t i);

/* Image index img into *out (img < n_images). */
void mc_coco_image(const mc_coco *ds, size_t img, mc_coco_img *out);

/* Lookups by id (binary search). Fail with MC_ERR_NOTFOUND naming the id. */
int mc_coco_find_image(size_t *img, const mc_coco *ds, int64_t image_id, mc_error *err);
int mc_coco_find_annotation(size_t *a, const mc_coco *ds, int64_t ann_id, mc_error *err);
int mc_coco_find_class(size_t *k, const mc_coco *ds, int64_t category_id, mc_error *err);

/* The path of image img's file: images dir + file_name. Caller owns *out
 * (free()). Fails with MC_ERR_IO when the file does not exist:
 * "instances.json: image 37777: images/train2017/000000037777.jpg does not exist".
 * The file is only stat()ed, never decoded. */
int mc_coco_image_path(char **out, const mc_coco *ds, size_t img, mc_error *err);

/* The annotation a exactly as the file holds it, with every field: re-read
 * from the file. Caller owns *out (json_decref). Fails with MC_ERR_IO when the
 * file is gone or changed since it was loaded. */
int mc_coco_annotation_json(struct json_t **out, const mc_coco *ds, size_t a, mc_error *err);

/* The top-level members other than images, annotations and categories
 * ("info", "licenses", ...) as a JSON object. Borrowed. */
const struct json_t *mc_coco_extra(const mc_coco *ds);

/* The mask of instance i as an RLE of its image's size (polygons rasterised
 * and merged as pycocotools' annToRLE). progress (may be NULL) is polled
 * while a polygon is rasterised. Caller owns *out (mc_rle_free). Fails with
 * MC_ERR_INVALID naming the annotation (a polygon beyond the limits of
 * maskclean/limits.h too), MC_ERR_INTERRUPTED. */
int mc_coco_instance_rle(struct mc_rle **out, const mc_coco *ds, size_t i,
                         const mc_progress *progress, mc_error *err);

/* The same for annotation index a (crowd annotations too). */
int mc_coco_annotation_rle(struct mc_rle **out, const mc_coco *ds, size_t a,
                           const mc_progress *progress, mc_error *err);

/* Writes the dataset to path as COCO JSON with corrected labels.
 * labels: NULL, or the class index of every instance (n_instances entries):
 *   an instance whose label differs from its class gets that class's
 *   category_id;
 * weights: NULL, or one weight per instance: weight 0 removes it.
 * Everything else is the original file's text, byte for byte: the file is
 * re-read and streamed, so its content must be what was loaded (the same
 * size and SHA-256; its dates do not matter), else MC_ERR_IO. Annotations
 * that are not instances (crowd) are kept as they are; with every annotation
 * removed the file has an empty "annotations" list. The write is atomic
 * (maskclean/atomic_file.h): the old path holds the old file or the new one,
 * never part of one, also when the process is killed or the disk fills up.
 * Fails with MC_ERR_INVALID for a label outside 0..K-1 or a negative or
 * non-finite weight, MC_ERR_IO, MC_ERR_INTERRUPTED. */
int mc_coco_write(const mc_coco *ds, const char *path, const int64_t *labels,
                  const double *weights, const mc_progress *progress, mc_error *err);

#endif
