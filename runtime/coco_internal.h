/* The layout of mc_coco, shared by runtime/coco.c (loading, indexes) and
 * runtime/coco_write.c (export). Not a public header. */
#ifndef MASKCLEAN_COCO_INTERNAL_H
#define MASKCLEAN_COCO_INTERNAL_H

#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#include <jansson.h>

#include "maskclean/coco.h"

#define MC_COCO_NONE ((size_t)-1)

typedef struct mc_coco_ann_rec {
	int64_t id, image_id, category_id;
	double area;
	double bbox[4];
	uint64_t seg_off;     /* polygon: into xy; RLE: into u32; string: into chars */
	uint64_t part_off;    /* polygon: part lengths, into u32 */
	uint64_t file_off;    /* the element's first byte ('{') in the file */
	uint32_t file_len;    /* the element's length in bytes */
	uint32_t cat_off;     /* category_id's value: offset in the element, 0 if unknown */
	uint32_t seg_n;       /* polygon: parts; RLE: counts; string: length */
	uint32_t image;       /* image index */
	uint32_t cls;         /* class index */
	uint32_t h, w;        /* RLE "size" (polygons: the image's, set at the end) */
	uint8_t cat_len;      /* category_id's value: length in bytes */
	uint8_t kind;         /* mc_coco_seg_kind */
	uint8_t iscrowd;
} mc_coco_ann_rec;

typedef struct mc_coco_img_rec {
	int64_t id;
	uint32_t width, height;
	uint64_t name_off;    /* into chars */
} mc_coco_img_rec;

typedef struct mc_coco_cat_rec {
	int64_t id;
	uint64_t name_off, super_off;   /* into chars */
} mc_coco_cat_rec;

typedef struct mc_coco_idpair {
	int64_t id;
	size_t index;
} mc_coco_idpair;

struct mc_coco {
	char *path, *file_name, *images_dir;
	int include_crowd;
	off_t file_size;
	struct timespec file_mtime;
	ino_t file_ino;
	dev_t file_dev;
	unsigned char file_sha256[32];   /* the content loaded */

	mc_coco_ann_rec *anns;
	size_t n_anns, cap_anns;
	mc_coco_img_rec *imgs;
	size_t n_imgs, cap_imgs;
	mc_coco_cat_rec *cats;      /* sorted by id after load: index = class index */
	size_t n_cats, cap_cats;

	double *xy;
	size_t n_xy, cap_xy;
	uint32_t *u32;
	size_t n_u32, cap_u32;
	char *chars;
	size_t n_chars, cap_chars;

	size_t *inst_ann;           /* instance -> annotation */
	size_t n_inst;
	size_t *ann_inst;           /* annotation -> instance or MC_COCO_NONE */
	size_t *img_start, *img_anns;   /* CSR: annotations of each image */
	size_t *cls_start, *cls_insts;  /* CSR: instances of each class */
	mc_coco_idpair *img_ids, *ann_ids;   /* sorted by id */

	/* The annotations array in the file: offset just after '[' and of ']'. */
	int has_ann_array;
	uint64_t ann_open, ann_close;

	json_t *extra;              /* other top-level members */
};

/* Checks that ds's file still holds what was loaded: the same size and
 * SHA-256 (a file that was not written since, same inode and mtime, is not
 * read again). Fails with MC_ERR_IO "... changed since it was loaded". */
int mc_coco_check_unchanged(const mc_coco *ds, mc_error *err);

/* SHA-256 of data[0..len) into out. data must be a read-only mapping of a
 * file: its pages are given back (MADV_DONTNEED) as they are hashed.
 * Returns 0, or -1 when OpenSSL fails. */
int mc_coco_hash_map(unsigned char out[32], const unsigned char *data, size_t len);

/* Gives back the pages of [p, p + n) of a read-only file mapping (they are
 * read again from the file if touched). */
void mc_coco_drop_pages(const void *p, size_t n);

#endif
