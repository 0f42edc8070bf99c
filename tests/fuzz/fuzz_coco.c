/* Fuzz harness: the COCO loader and export (runtime/coco.c, coco_write.c).
 * Properties: a load either succeeds or fails with a message naming the
 * file; a loaded dataset's indexes agree; every annotation's mask has its
 * image's size and the stored RLE's area; an export with labels rotated and
 * every third instance removed loads again with those labels and counts. */
#include "fuzz.h"

#include <string.h>

#include "maskclean/coco.h"
#include "maskclean/limits.h"
#include "maskclean/rle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Masks of the fuzzed images stay small: the harness looks for bugs,
	 * not for the time a 4-gigapixel mask takes. */
	mc_limit_set(MC_LIMIT_IMAGE_PIXELS, 1 << 20, NULL);
	return 0;
}

static void s_check(const mc_coco *ds)
{
	size_t n_inst = mc_coco_n_instances(ds), K = mc_coco_n_classes(ds), total = 0;

	FZ_ASSERT(n_inst <= mc_coco_n_annotations(ds));
	for (size_t k = 0; k < K; k++) {
		size_t n;
		const size_t *inst = mc_coco_class_instances(ds, k, &n);
		for (size_t i = 0; i < n; i++) {
			mc_coco_ann a;
			FZ_ASSERT(inst[i] < n_inst);
			mc_coco_instance(ds, inst[i], &a);
			FZ_ASSERT(a.class_index == k);
		}
		total += n;
	}
	FZ_ASSERT(total == n_inst);
	for (size_t a = 0; a < mc_coco_n_annotations(ds) && a < 64; a++) {
		mc_coco_ann ann;
		mc_coco_img im;
		mc_rle *r = NULL;
		mc_error err;

		mc_coco_annotation(ds, a, &ann);
		mc_coco_image(ds, ann.image, &im);
		FZ_ASSERT(ann.image_id == im.id);
		mc_error_clear(&err);
		if (mc_coco_annotation_rle(&r, ds, a, NULL, &err) == 0) {
			FZ_ASSERT(r->h == im.height && r->w == im.width);
			if (ann.kind == MC_SEG_RLE) {
				uint64_t area = 0;
				for (size_t j = 1; j < ann.n_counts; j += 2)
					area += ann.counts[j];
				FZ_ASSERT(mc_rle_area(r) == area);
			}
			mc_rle_free(r);
		} else {
			FZ_ASSERT(err.code != MC_OK && err.text[0] != '\0');
		}
	}
}

static void s_export(const mc_coco *ds)
{
	size_t n = mc_coco_n_instances(ds), K = mc_coco_n_classes(ds), removed = 0;
	int64_t *labels = malloc((n ? n : 1) * sizeof *labels), *back_labels = NULL;
	double *weights = malloc((n ? n : 1) * sizeof *weights);
	const char *out = fz_scratch("export.json");
	mc_coco *back = NULL;
	mc_error err;

	FZ_ASSERT(labels != NULL && weights != NULL);
	mc_coco_labels(ds, labels);
	for (size_t i = 0; i < n; i++) {
		labels[i] = (labels[i] + 1) % (int64_t)K;
		weights[i] = i % 3 == 2 ? 0 : 1;
		removed += i % 3 == 2;
	}
	mc_error_clear(&err);
	if (mc_coco_write(ds, out, labels, weights, NULL, &err) != 0) {
		FZ_ASSERT(err.code == MC_ERR_IO || err.code == MC_ERR_NOMEM);
		goto cleanup;
	}
	mc_error_clear(&err);
	if (mc_coco_load(&back, out, NULL, &err) != 0) {
		fprintf(stderr, "the export does not load: %s\n", err.text);
		FZ_ASSERT(0);
	}
	FZ_ASSERT(mc_coco_n_annotations(back) == mc_coco_n_annotations(ds) - removed);
	FZ_ASSERT(mc_coco_n_instances(back) == n - removed);
	FZ_ASSERT(mc_coco_n_classes(back) == K);
	back_labels = malloc((n ? n : 1) * sizeof *back_labels);
	FZ_ASSERT(back_labels != NULL);
	mc_coco_labels(back, back_labels);
	for (size_t i = 0, j = 0; i < n; i++)
		if (weights[i] != 0)
			FZ_ASSERT(back_labels[j++] == labels[i]);
cleanup:
	mc_coco_free(back);
	free(back_labels);
	free(labels);
	free(weights);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_file(data, size);
	mc_coco_options opt = { "/nonexistent", 0, NULL };
	mc_coco *ds = NULL;
	mc_error err;

	for (int crowd = 0; crowd < 2; crowd++) {
		opt.include_crowd = crowd;
		mc_error_clear(&err);
		if (mc_coco_load(&ds, path, &opt, &err) != 0) {
			FZ_ASSERT(ds == NULL && err.code != MC_OK && err.text[0] != '\0');
			return 0;
		}
		s_check(ds);
		if (crowd == 0)
			s_export(ds);
		mc_coco_free(ds);
		ds = NULL;
	}
	return 0;
}
